// Host handler timing (irq:irq_handler_entry/exit through tracefs): whether this host allows it. irqscope does
// not enable any tracing; this only tells the user what is available, so nothing is ever left behind.
#pragma once

#include <string>

namespace irqscope::core {

// "not available: needs tracefs write access (...)" when the irq events cannot be enabled from here, else
// "not available: tracefs is writable, but this irqscope does not collect handler timing".
std::string handlerTimingStatus(const std::string& tracefsRoot = "/sys/kernel/tracing");

} // namespace irqscope::core

// Detects whether tracefs would let irqscope enable the irq handler events.
#include "observe/handler_timing.h"

#include <unistd.h>

namespace irqscope::core {

std::string handlerTimingStatus(const std::string& tracefsRoot)
{
    const std::string enable = tracefsRoot + "/events/irq/irq_handler_entry/enable";
    if (access(enable.c_str(), W_OK) != 0)
        return "not available: needs tracefs write access (root, with tracefs mounted on " + tracefsRoot + ")";
    return "not available: tracefs is writable, but this irqscope does not collect handler timing";
}

} // namespace irqscope::core

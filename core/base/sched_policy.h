// The one table of scheduling policy names: the core thread's status, the tuning facts and the IRQ threads.
#pragma once

#include <string>

namespace irqscope::core {

// "SCHED_FIFO" for SCHED_FIFO, ...; "policy N" for one this table does not know.
std::string schedPolicyName(int policy);

} // namespace irqscope::core

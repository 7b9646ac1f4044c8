#include "base/sched_policy.h"

#include <fmt/format.h>

#include <sched.h>

namespace irqscope::core {

std::string schedPolicyName(int policy)
{
    switch (policy) {
    case SCHED_OTHER:
        return "SCHED_OTHER";
    case SCHED_FIFO:
        return "SCHED_FIFO";
    case SCHED_RR:
        return "SCHED_RR";
    case SCHED_BATCH:
        return "SCHED_BATCH";
    case SCHED_IDLE:
        return "SCHED_IDLE";
    case 6: // SCHED_DEADLINE: glibc 2.36's <sched.h> does not define it
        return "SCHED_DEADLINE";
    default:
        return fmt::format("policy {}", policy);
    }
}

} // namespace irqscope::core

// The throughput producer: pinned, SCHED_OTHER, writes 1 to the eventfds round-robin until the plan's duration.
#include "base/monotonic_clock.h"
#include "engine/cpu_setup.h"
#include "throughput/consumer.h"

#include <unistd.h>

namespace irqscope::bench {

void Producer::run(const TputPlan& plan, const std::vector<int>& fds)
{
    (void)core::pinCurrentThread(plan.producerCpu);
    const uint64_t one = 1;
    const int64_t start = core::monotonicNs();
    const int64_t end = start + static_cast<int64_t>(plan.seconds * 1e9);
    uint64_t produced = 0;
    std::size_t next = 0;
    for (;;) {
        for (int k = 0; k < 64; ++k) {
            if (write(fds[next], &one, sizeof one) != sizeof one) {
                m_failed = true;
                break;
            }
            ++produced;
            if (++next == fds.size())
                next = 0;
        }
        m_produced.store(produced, std::memory_order_release);
        if (m_failed || core::monotonicNs() >= end)
            break;
    }
    m_seconds = static_cast<double>(core::monotonicNs() - start) / 1e9;
    m_done.store(true, std::memory_order_release);
}

} // namespace irqscope::bench

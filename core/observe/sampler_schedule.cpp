// Absolute-deadline sampling schedule.
#include "observe/sampler_schedule.h"

namespace irqscope::core {

SamplerSchedule::SamplerSchedule(int64_t startNs, int64_t intervalNs)
    : m_startNs(startNs)
    , m_intervalNs(intervalNs > 0 ? intervalNs : 1)
{}

int64_t SamplerSchedule::advance(int64_t nowNs)
{
    uint64_t next = m_next + 1;
    if (nowNs >= deadline(next)) {
        // Late by a whole interval or more: the first deadline strictly after now.
        const uint64_t due = static_cast<uint64_t>((nowNs - m_startNs) / m_intervalNs) + 1;
        m_skipped += due - next;
        next = due;
    }
    m_next = next;
    return deadline(m_next);
}

} // namespace irqscope::core

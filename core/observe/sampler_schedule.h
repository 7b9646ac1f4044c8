// SamplerSchedule: absolute sampling deadlines start + k * interval, so a late wake-up never shifts the samples
// that follow it (no drift); a sampler that falls more than a whole interval behind skips the deadlines it missed
// and counts them, rather than sampling in a burst to catch up.
#pragma once

#include <cstdint>

namespace irqscope::core {

class SamplerSchedule
{
public:
    // Precondition: intervalNs > 0.
    SamplerSchedule(int64_t startNs, int64_t intervalNs);

    int64_t startNs() const { return m_startNs; }
    int64_t intervalNs() const { return m_intervalNs; }
    int64_t deadline(uint64_t tick) const { return m_startNs + static_cast<int64_t>(tick) * m_intervalNs; }

    // The tick the sampler waits for next (deadline(nextTick())); tick 0 is the start itself.
    uint64_t nextTick() const { return m_next; }
    int64_t nextDeadline() const { return deadline(m_next); }

    // Call after sampling tick nextTick(), at `nowNs`: moves to the first tick whose deadline is still ahead of
    // `nowNs` (normally nextTick() + 1) and returns its deadline. Ticks passed over are added to skipped().
    int64_t advance(int64_t nowNs);
    uint64_t skipped() const { return m_skipped; }

private:
    int64_t m_startNs;
    int64_t m_intervalNs;
    uint64_t m_next = 0;
    uint64_t m_skipped = 0;
};

} // namespace irqscope::core

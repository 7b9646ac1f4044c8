// TriggerPlan: which vectors the trigger generator fires, at what rate and how. The core thread writes it; a
// trigger thread on another CPU reads it through a sequence lock (no allocation, no mutex on either side).
// TriggerSchedule: staggered firing times, so that N vectors at R Hz each are fired one at a time every 1/(N·R) s
// rather than in bursts, and an overrun skips ahead instead of bursting to catch up (like cyclictest).
#pragma once

#include "engine/engine_config.h"

#include <array>
#include <atomic>
#include <cstdint>

namespace irqscope::core {

struct PlanView
{
    static constexpr uint32_t kMaxEntries = 2048 + 32 + 1 + 2;
    uint32_t count = 0;
    double rateHz = 0;
    TriggerMode mode = TriggerMode::Loopback;
    std::array<uint32_t, kMaxEntries> slots{};
};

class TriggerPlan
{
public:
    // Writer (core thread).
    void publish(const PlanView& view);
    uint64_t generation() const { return m_sequence.load(std::memory_order_acquire); }
    // Reader: copies the plan when its generation changed since `seenGeneration`; returns true if copied.
    bool readIfChanged(uint64_t& seenGeneration, PlanView& out) const;

private:
    std::atomic<uint64_t> m_sequence{0}; // odd while being written
    std::atomic<uint32_t> m_count{0};
    std::atomic<double> m_rateHz{0};
    std::atomic<uint8_t> m_mode{0};
    std::array<std::atomic<uint32_t>, PlanView::kMaxEntries> m_slots{};
};

class TriggerSchedule
{
public:
    // Restarts the schedule at `nowNs` for `vectors` vectors at `rateHz` each.
    void reset(int64_t nowNs, uint32_t vectors, double rateHz);
    bool active() const { return m_periodNs > 0; }
    int64_t nextDueNs() const { return m_nextNs; }
    // Called when the next firing is due: returns the round-robin position to fire and advances. If firing fell
    // behind by more than one whole round, the missed rounds are skipped (counted in overruns()).
    uint32_t take(int64_t nowNs);
    uint64_t overruns() const { return m_overruns; }

private:
    int64_t m_periodNs = 0; // between two consecutive firings (of any vector)
    int64_t m_nextNs = 0;
    uint32_t m_vectors = 0;
    uint32_t m_position = 0;
    uint64_t m_overruns = 0;
};

} // namespace irqscope::core

// TriggerPlan: which vectors the trigger generator fires, at what rate and how. The core thread writes it; a
// trigger thread on another CPU reads it through a sequence lock (no allocation, no mutex on either side).
// TriggerSchedule: staggered firing times, so that N vectors at R Hz each are fired one at a time every 1/(N·R) s
// rather than in bursts, and an overrun skips ahead instead of bursting to catch up (like cyclictest).
#pragma once

#include "engine/engine_config.h"
#include "engine/vector_counters.h"

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

// Its books: with `slots` (position -> slot, the plan's) and `counters` (indexed by slot), every due time not fired
// because the schedule fell behind counts as behind for its vector; every other one is taken and ends up triggered
// or skipped (window full), or behind when it could not be announced (creditBehind()). So the due times up to
// close() - rate x time in the plan, less those not yet taken in the last round before close() (the plan ended
// before they were late: not owed) - are triggered + skipped + behind, which is how "requested" is read
// (VectorCounters::read()) instead of being counted on every firing. Only falling behind writes: an atomic add, and a
// loop over the plan only when whole rounds are skipped; nothing per firing.
class TriggerSchedule
{
public:
    // Restarts the schedule at `nowNs` for `vectors` vectors at `rateHz` each. Call close() first to settle the
    // previous plan's books. `slots` must stay valid until close().
    void reset(int64_t nowNs, uint32_t vectors, double rateHz, const uint32_t* slots = nullptr,
               VectorCounters* counters = nullptr);
    bool active() const { return m_periodNs > 0; }
    int64_t nextDueNs() const { return m_nextNs; }
    // Called when the next firing is due: returns the round-robin position to fire and advances. If firing fell
    // behind by more than one whole round, whole rounds are skipped (counted in overruns() and, per vector, as
    // behind): every vector of the plan misses the same number of firings and the round-robin order holds.
    uint32_t take(int64_t nowNs);
    uint64_t overruns() const { return m_overruns; }
    // A taken firing that could not be made for the schedule's sake (its record could not be queued): behind.
    void creditBehind(uint32_t position);
    // Ends the plan at `nowNs`: due times not taken yet count as behind when they are more than a round old (the
    // firing thread fell behind on them); younger ones are dropped, not owed (a plan change or stop is seen a
    // little after a due time on a healthy run). The schedule is inactive until the next reset(). Harmless when
    // inactive.
    void close(int64_t nowNs);

private:
    void fallBehind(uint32_t position, uint64_t count);

    const uint32_t* m_slots = nullptr;
    VectorCounters* m_counters = nullptr;
    int64_t m_periodNs = 0; // between two consecutive firings (of any vector)
    int64_t m_nextNs = 0;
    uint32_t m_vectors = 0;
    uint32_t m_position = 0;
    uint64_t m_overruns = 0;
};

} // namespace irqscope::core

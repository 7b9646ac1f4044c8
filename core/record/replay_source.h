// ReplaySource: a StatsSource fed from a recording instead of an engine, so a recording replays through the same
// Aggregator (and live table) as a live run. Counters follow the samples while replaying and are set to the
// recorded final counters by finish(), so the replay ends on the recorded statistics. Its clock is the
// recording's: the time of the newest sample pushed (or the time the player has reached between samples), so
// rates and elapsed time are the recorded ones at any replay speed.
#pragma once

#include "record/recording_reader.h"
#include "stats/stats_source.h"

#include <atomic>
#include <memory>
#include <mutex>

namespace irqscope::core {

// Threads: push() and finish() from one replay thread; the rest from the aggregator.
class ReplaySource final : public StatsSource
{
public:
    explicit ReplaySource(const Recording& recording, std::size_t ringCapacity = 1u << 16);

    const VectorSlots& slots() const override { return m_slots; }
    const VectorCounters& counters(uint32_t slot) const override { return m_counters[slot]; }
    SpscRing<Sample>& samples() override { return m_ring; }
    EngineStatus status() const override;
    std::string deviceId() const override { return m_deviceId; }
    int64_t nowNs() const override { return m_clockNs.load(std::memory_order_acquire); }

    // Moves the replay clock forward to `recordedNs` (CLOCK_MONOTONIC of the recording); never backwards.
    void advanceClock(int64_t recordedNs);

    // Counts the sample into the counters and queues it; false (nothing counted) when the ring is full.
    bool push(const Sample& sample);
    // The recorded final counters, states and engine status; the clock moves to the recording's end.
    void finish();

private:
    const Recording& m_recording;
    VectorSlots m_slots;
    std::unique_ptr<VectorCounters[]> m_counters;
    SpscRing<Sample> m_ring;
    mutable std::mutex m_statusMutex; // m_status
    EngineStatus m_status;
    std::atomic<uint64_t> m_pushed{0};
    std::atomic<int64_t> m_clockNs{0};
    std::string m_deviceId;
};

} // namespace irqscope::core

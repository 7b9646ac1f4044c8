// StatsSource: what the aggregator reads (slots, exact per-vector counters, the sample ring, engine status,
// device id). EngineStatsSource adapts the real Engine; tests supply a fake, so the aggregator is testable
// without a device or a core thread.
#pragma once

#include "base/monotonic_clock.h"
#include "base/vector_id.h"
#include "engine/engine.h"
#include "engine/sample.h"
#include "engine/spsc_ring.h"
#include "engine/vector_counters.h"

#include <cstdint>
#include <string>

namespace irqscope::core {

// Threading: every call comes from the aggregator thread (or from finalSnapshot()'s caller while that thread is
// stopped); samples() is consumed by exactly one thread at a time.
class StatsSource
{
public:
    virtual ~StatsSource() = default;
    virtual const VectorSlots& slots() const = 0;
    // Precondition: slot < slots().size().
    virtual const VectorCounters& counters(uint32_t slot) const = 0;
    virtual SpscRing<Sample>& samples() = 0;
    virtual EngineStatus status() const = 0;
    virtual std::string deviceId() const = 0;
    // The time rates and elapsed time are measured in, on the clock of EngineStatus::startedNs and of the
    // samples: CLOCK_MONOTONIC for a live run; a replay answers the recording's time it has reached, so its
    // rates are the recorded ones whatever the replay speed.
    virtual int64_t nowNs() const { return monotonicNs(); }
};

class EngineStatsSource final : public StatsSource
{
public:
    explicit EngineStatsSource(Engine& engine);
    const VectorSlots& slots() const override { return m_engine.slots(); }
    const VectorCounters& counters(uint32_t slot) const override { return m_engine.counters(slot); }
    SpscRing<Sample>& samples() override { return m_engine.samples(); }
    EngineStatus status() const override { return m_engine.status(); }
    std::string deviceId() const override { return m_deviceId; }

private:
    Engine& m_engine;
    std::string m_deviceId; // read once: the device's info does not change while it is open
};

} // namespace irqscope::core

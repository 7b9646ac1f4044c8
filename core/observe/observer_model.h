// ObserverModel: turns successive IrqSamples of one device into per-vector counts since the start, rates per
// CPU and in total over the last interval, and the vectors' comings and goings (the guest enabling and disabling
// them), and builds the same Snapshot type as active measurement, with those numbers in each vector's `observed`
// and the measured fields left at zero. No latency: nothing is measured here.
#pragma once

#include "observe/irq_sample.h"
#include "stats/snapshot.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace irqscope::core {

enum class ObserverEventKind
{
    Appeared,    // the vector got a host IRQ (the owner enabled it)
    Disappeared, // its host IRQ went away (the owner disabled it)
    Moved,       // its effective affinity CPU changed
};

const char* observerEventName(ObserverEventKind kind); // "appeared", "disappeared", "moved"

struct ObserverEvent
{
    int64_t timeNs = 0; // CLOCK_MONOTONIC of the sample that saw the change
    VectorId vector;
    ObserverEventKind kind = ObserverEventKind::Appeared;
    int hostIrq = -1;
    int hostCpu = -1; // the CPU after the change
};

class ObserverModel
{
public:
    static constexpr std::size_t kMaxEvents = 100'000;

    // The first sample sets the baseline: counts before it are not counted, and its vectors "appeared" at its
    // time without an event. With `keepRates` (the last sample at stop, a fraction of an interval after the one
    // before) counts and comings and goings are updated but the vectors still present keep the rates of the last
    // full interval.
    void update(const IrqSample& sample, bool keepRates = false);

    // `deviceId` is the BDF; `wallTimeNs` the CLOCK_REALTIME of the latest sample.
    Snapshot snapshot(uint64_t generation, const std::string& deviceId, int64_t wallTimeNs) const;

    uint64_t samples() const { return m_samples; }
    int64_t startNs() const { return m_startNs; }
    int64_t lastNs() const { return m_lastNs; }
    std::size_t presentCount() const;
    const std::vector<ObserverEvent>& events() const { return m_events; } // oldest first
    uint64_t eventsDropped() const { return m_eventsDropped; }

private:
    struct Track
    {
        bool present = false;
        int irq = -1;
        int cpu = -1;
        std::map<int, uint64_t> lastByCpu; // CPU -> the count last read
        uint64_t sinceStart = 0;
        double rateHz = 0;
        std::vector<std::pair<int, double>> perCpuRateHz;
        uint64_t unhandled = 0;
        int64_t appearedNs = 0;
        int64_t disappearedNs = 0;
        int64_t lastSeenNs = 0; // the last sample that saw it present
    };

    void addEvent(int64_t timeNs, VectorId vector, ObserverEventKind kind, const Track& track);
    void updateRows(const IrqSample& sample, double spanSec, bool first, bool keepRates);

    struct RowTrack
    {
        std::map<int, uint64_t> lastByCpu;
        uint64_t sinceStart = 0;
        std::vector<std::pair<int, double>> perCpuRateHz;
    };
    std::map<std::string, RowTrack> m_rows; // PIN, PIW, PMN: what this kernel prints

    std::map<VectorId, Track> m_tracks;
    std::vector<ObserverEvent> m_events;
    uint64_t m_eventsDropped = 0;
    uint64_t m_samples = 0;
    int64_t m_startNs = 0;
    int64_t m_lastNs = 0;
};

} // namespace irqscope::core

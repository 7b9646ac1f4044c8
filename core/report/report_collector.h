// ReportCollector: a sample sink that keeps what reports need beyond a Snapshot, per vector: the log-linear
// histogram, the cyclictest 1-unit linear histogram with the cycle numbers of its overflows, the last latency,
// a per-second time series and the event timeline. Fed by the live aggregator's sink and by recordings alike,
// so a report from a recording is the report of the live run.
#pragma once

#include "engine/sample.h"
#include "stats/event_timeline.h"
#include "stats/linear_histogram.h"
#include "stats/log_histogram.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace irqscope::core {

// One second of one vector. Latencies are of completions whose completion time falls in that second.
struct SecondPoint
{
    uint64_t completions = 0;
    uint64_t missed = 0;
    uint64_t unsolicited = 0;
    int64_t minNs = 0;
    int64_t maxNs = 0;
    long double sumNs = 0;
    double meanNs() const { return completions ? static_cast<double>(sumNs / completions) : 0.0; }
};

struct CollectedVector
{
    explicit CollectedVector(uint32_t buckets, int64_t bucketNs)
        : linear(buckets, bucketNs)
    {}
    LogHistogram log;
    LinearHistogram linear;
    uint64_t cycles = 0; // completions with a latency, in order: the cyclictest cycle counter
    int64_t lastNs = 0;  // latency of the last completion (cyclictest "Act")
    std::vector<uint64_t> overflowCycles;
    uint64_t overflowCyclesDropped = 0; // overflows beyond kMaxOverflowCycles
    std::vector<SecondPoint> seconds;
    std::vector<VectorEvent> events; // every state change and error, oldest first (capped)
    uint64_t eventsDropped = 0;
    // Misses as (time ns) for the timeline (capped).
    std::vector<int64_t> missTimes;
    // Interrupt delivery (docs/dma-triggers.md §6): set once a completion of the vector came from the delivery
    // poller's watch; the stamped deliveries, and the completions (with a latency) that had no stamp.
    std::optional<LogHistogram> delivery;
    uint64_t deliveryUnstamped = 0;
    // The round trips of the stamped completions only: what the deliveries compare with. Under load the poller
    // misses mostly the fastest round trips, so the round trip over all completions can sit below the delivery.
    std::optional<LogHistogram> deliveryRoundTrip;
};

struct CollectorConfig
{
    uint32_t linearBuckets = 1000;   // cyclictest --histogram size in units
    int64_t linearBucketNs = 1000;   // 1 µs (1 ns for nanosecond output)
    int64_t originNs = 0;            // CLOCK_MONOTONIC of second 0 of the time series
    uint32_t maxSeconds = 7 * 86400; // time series length cap
};

class ReportCollector
{
public:
    static constexpr std::size_t kMaxOverflowCycles = 1024;
    static constexpr std::size_t kMaxEvents = 4096;
    static constexpr std::size_t kMaxMissTimes = 4096;

    ReportCollector(uint32_t slots, CollectorConfig config);
    // A deep copy: a consistent picture to render while the original keeps collecting (the dashboard exports
    // a report of a running measurement from a copy taken under its sink's lock).
    ReportCollector(const ReportCollector& other);
    ReportCollector& operator=(const ReportCollector&) = delete;

    // Samples whose slot is not below `slots` are ignored (floor samples have no slot: always taken).
    void add(const Sample* samples, std::size_t count);
    void add(const Sample& sample);

    uint32_t slots() const { return static_cast<uint32_t>(m_vectors.size()); }
    const CollectorConfig& config() const { return m_config; }
    // nullptr for a vector that never had a sample.
    const CollectedVector* vector(uint32_t slot) const
    {
        return slot < m_vectors.size() ? m_vectors[slot].get() : nullptr;
    }
    // Seconds covered by the longest series.
    std::size_t seconds() const;
    // The instrument floor's latencies (SampleKind::Floor, not a vector's; docs/benchmarks.md).
    const LogHistogram& floor() const { return m_floor; }

private:
    CollectedVector& at(uint32_t slot);
    SecondPoint* second(CollectedVector& v, int64_t timeNs);

    CollectorConfig m_config;
    std::vector<std::unique_ptr<CollectedVector>> m_vectors;
    LogHistogram m_floor;
};

} // namespace irqscope::core

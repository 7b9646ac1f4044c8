// Aggregator: its own thread drains the core thread's sample ring into per-vector histograms and publishes an
// immutable Snapshot (latest wins) at a fixed rate. Counters come from the core thread's exact per-vector
// counters; samples feed only the latency statistics, so a sample lost to a full ring never skews a count.
#pragma once

#include "engine/engine.h"
#include "stats/log_histogram.h"
#include "stats/snapshot.h"
#include "stats/snapshot_exchange.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace irqscope::core {

// Where the aggregator reads from: the engine in production, a fake in tests.
class StatsSource
{
public:
    virtual ~StatsSource() = default;
    virtual const VectorSlots& slots() const = 0;
    virtual const VectorCounters& counters(uint32_t slot) const = 0;
    virtual SpscRing<Sample>& samples() = 0;
    virtual EngineStatus status() const = 0;
    virtual std::string deviceId() const = 0;
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
    std::string m_deviceId;
};

struct AggregatorConfig
{
    std::chrono::milliseconds publishInterval{33}; // ~30 Hz
    std::chrono::milliseconds rateWindow{1000};
};

// One state change or error of a vector, for timelines.
struct VectorEvent
{
    int64_t timeNs = 0;
    EventCode code = EventCode::Armed;
    int error = 0;
};

class Aggregator
{
public:
    explicit Aggregator(StatsSource& source, AggregatorConfig config = {});
    ~Aggregator();
    Aggregator(const Aggregator&) = delete;
    Aggregator& operator=(const Aggregator&) = delete;

    void start();
    void stop();

    std::shared_ptr<const Snapshot> latest() const { return m_exchange.latest(); }
    // After the engine stopped: drains what is left and builds one last snapshot synchronously.
    std::shared_ptr<const Snapshot> finalSnapshot();
    // Zeroes the latency statistics (applied by the aggregator thread at its next pass). Any thread.
    void resetHistograms() { m_resetRequested.store(true, std::memory_order_release); }
    // The state-change timeline of a vector (bounded). Any thread.
    std::vector<VectorEvent> events(uint32_t slot) const;

private:
    struct VectorStats
    {
        std::unique_ptr<LogHistogram> total;
        std::unique_ptr<LogHistogram> interval;
        std::string lastError;
        bool active = false;
        std::deque<std::pair<int64_t, CountersCopy>> history; // for rates
    };

    void run();
    void drain();
    void apply(const Sample& sample);
    std::shared_ptr<const Snapshot> build();

    StatsSource& m_source;
    const AggregatorConfig m_config;
    std::vector<VectorStats> m_vectors;
    std::vector<Sample> m_batch;
    SnapshotExchange m_exchange;
    uint64_t m_generation = 0;
    int64_t m_startNs = 0;
    uint64_t m_lastSamples = 0;
    int64_t m_lastBuildNs = 0;
    double m_samplesPerSec = 0;
    std::atomic<bool> m_resetRequested{false};
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
    std::mutex m_workMutex; // the thread's pass vs finalSnapshot()
    mutable std::mutex m_eventsMutex;
    std::vector<std::deque<VectorEvent>> m_events;
};

} // namespace irqscope::core

// Aggregator: its own thread drains the core thread's sample ring into per-vector histograms, reasons and event
// timelines, and publishes an immutable Snapshot (latest wins) at a fixed rate. Counters come from the core
// thread's exact per-vector counters; samples feed only the latency statistics, so a sample lost to a full ring
// never skews a count.
#pragma once

#include "stats/event_timeline.h"
#include "stats/log_histogram.h"
#include "stats/rate_window.h"
#include "stats/snapshot.h"
#include "stats/snapshot_exchange.h"
#include "stats/stats_source.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace irqscope::core {

struct AggregatorConfig
{
    std::chrono::nanoseconds publishInterval{1'000'000'000 / 30}; // snapshot rate: 30 Hz
    std::chrono::nanoseconds drainInterval{5'000'000};            // how often the sample ring is emptied
    std::chrono::nanoseconds rateWindow{1'000'000'000};           // sliding window of the rates
    std::size_t batchSize = 4096;                                 // samples per popBatch
    std::size_t eventsPerVector = 256;                            // timeline length per vector
};

// Threads: start()/stop()/finalSnapshot() from one controlling thread; latest(), exchange(), events() and
// resetHistograms() from any thread. The source's sample ring is consumed only by the aggregator's thread, or
// by finalSnapshot() once that thread has stopped.
class Aggregator
{
public:
    explicit Aggregator(StatsSource& source, AggregatorConfig config = {});
    ~Aggregator(); // stop()
    Aggregator(const Aggregator&) = delete;
    Aggregator& operator=(const Aggregator&) = delete;

    // Starts the thread; it publishes a first snapshot at once. No effect when already running.
    void start();
    // Stops and joins the thread (within one drain interval). Idempotent.
    void stop();
    bool running() const { return m_thread.joinable(); }

    std::shared_ptr<const Snapshot> latest() const { return m_exchange.latest(); }
    const SnapshotExchange& exchange() const { return m_exchange; }

    // After the engine stopped: stops the thread, drains everything left in the ring and publishes one last
    // snapshot synchronously, which it returns.
    std::shared_ptr<const Snapshot> finalSnapshot();

    // Zeroes every latency histogram. Any thread; applied by the aggregator before its next drain (or by
    // finalSnapshot()), so every snapshot published after the next one reflects it.
    void resetHistograms() { m_resetRequested.store(true, std::memory_order_release); }

    // The last AggregatorConfig::eventsPerVector state changes and errors of a vector, oldest first. Any thread.
    std::vector<VectorEvent> events(uint32_t slot) const;

    // A sink sees every batch of samples drained off the ring, in ring order, on the thread that drains (the
    // aggregator's, or finalSnapshot()'s caller), after the aggregator applied them. Set before start().
    using SampleSink = std::function<void(const Sample* samples, std::size_t count)>;
    void setSampleSink(SampleSink sink) { m_sink = std::move(sink); }

    // Called on every snapshot just before it is published, on the thread that builds it, to add what the
    // aggregator does not know itself (the host IRQ mapping: HostIrqTracker::apply). Set before start().
    using SnapshotDecorator = std::function<void(Snapshot&)>;
    void setSnapshotDecorator(SnapshotDecorator decorator) { m_decorator = std::move(decorator); }

    // Samples taken off the ring so far. Any thread.
    uint64_t samplesDrained() const { return m_samplesDrained.load(std::memory_order_relaxed); }

private:
    struct VectorStats
    {
        explicit VectorStats(int64_t rateWindowNs)
            : rates(rateWindowNs)
        {}
        std::unique_ptr<LogHistogram> total;    // since start or the last reset; allocated on the first sample
        std::unique_ptr<LogHistogram> interval; // since the previous snapshot
        // Delivery latency (docs/dma-triggers.md §6), when the vector's completions carry delivery stamps.
        std::unique_ptr<LogHistogram> deliveryTotal;
        std::unique_ptr<LogHistogram> deliveryInterval;
        uint64_t deliveryUnstamped = 0;
        bool deliveryTracked = false;
        std::string lastError;
        bool stuck = false; // lastError is a stuck-mask diagnosis: misses do not overwrite it
        bool active = false;
        RateWindow<2> rates; // triggered, completions
    };

    void run();
    void drain();
    void apply(const Sample& sample);
    void applyEvent(const Sample& sample, VectorStats& v);
    static void applyDelivery(const Sample& sample, VectorStats& v);
    std::shared_ptr<const Snapshot> build();

    StatsSource& m_source;
    const AggregatorConfig m_config;

    // Owned by whoever holds m_workMutex: the thread's pass, or finalSnapshot().
    std::mutex m_workMutex;
    std::vector<VectorStats> m_vectors;
    std::vector<Sample> m_batch;
    SampleSink m_sink;
    SnapshotDecorator m_decorator;
    LogHistogram m_floor; // the instrument floor's samples: not a vector, no slot
    uint64_t m_generation = 0;
    int64_t m_createdNs = 0;
    RateWindow<1> m_sampleRate;

    SnapshotExchange m_exchange;
    std::atomic<bool> m_resetRequested{false};
    std::atomic<uint64_t> m_samplesDrained{0};

    mutable std::mutex m_eventsMutex;
    std::vector<EventTimeline> m_events;

    std::mutex m_stopMutex;
    std::condition_variable m_wake;
    bool m_stopRequested = false;
    std::thread m_thread;
};

} // namespace irqscope::core

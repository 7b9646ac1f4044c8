// bench/micro: Google Benchmark micro benchmarks of the per-sample hot paths: LogHistogram::record (aggregator),
// SpscRing push/pop (core thread → aggregator, single thread and across two threads), and SnapshotExchange
// publish/latest (aggregator → readers).
#include "engine/sample.h"
#include "engine/spsc_ring.h"
#include "stats/log_histogram.h"
#include "stats/snapshot.h"
#include "stats/snapshot_exchange.h"

#include <benchmark/benchmark.h>

#include <atomic>
#include <memory>
#include <random>
#include <thread>
#include <vector>

namespace {

using irqscope::core::LogHistogram;
using irqscope::core::Sample;
using irqscope::core::Snapshot;
using irqscope::core::SnapshotExchange;
using irqscope::core::SpscRing;

// Latencies shaped like the floor: log-normal around 20 µs, so records spread over many buckets.
std::vector<int64_t> latencyValues(std::size_t n)
{
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> dist(std::log(20'000.0), 0.6);
    std::vector<int64_t> v(n);
    for (auto& x : v)
        x = static_cast<int64_t>(dist(rng));
    return v;
}

void histogramRecord(benchmark::State& state)
{
    LogHistogram h;
    const auto values = latencyValues(4096);
    std::size_t i = 0;
    for (auto _ : state) {
        h.record(values[i++ & 4095]);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(histogramRecord);

void histogramPercentile(benchmark::State& state)
{
    LogHistogram h;
    for (int64_t v : latencyValues(100'000))
        h.record(v);
    for (auto _ : state)
        benchmark::DoNotOptimize(h.percentile(0.99));
}
BENCHMARK(histogramPercentile);

void spscPushPop(benchmark::State& state)
{
    SpscRing<Sample> ring(1u << 16);
    Sample s;
    Sample out;
    for (auto _ : state) {
        s.seq++;
        benchmark::DoNotOptimize(ring.tryPush(s));
        benchmark::DoNotOptimize(ring.tryPop(out));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(spscPushPop);

// Producer and consumer on two threads (the real pipeline); the consumer drains in batches like the aggregator.
void spscTwoThreads(benchmark::State& state)
{
    SpscRing<Sample> ring(1u << 16);
    std::atomic<bool> stop{false};
    std::thread consumer([&] {
        Sample batch[256];
        while (!stop.load(std::memory_order_relaxed))
            benchmark::DoNotOptimize(ring.popBatch(batch, 256));
    });
    Sample s;
    uint64_t pushed = 0;
    for (auto _ : state) {
        s.seq++;
        while (!ring.tryPush(s)) {
        }
        ++pushed;
    }
    stop.store(true);
    consumer.join();
    state.SetItemsProcessed(static_cast<int64_t>(pushed));
}
BENCHMARK(spscTwoThreads)->UseRealTime();

void snapshotPublish(benchmark::State& state)
{
    SnapshotExchange exchange;
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->vectors.resize(static_cast<std::size_t>(state.range(0)));
    uint64_t generation = 0;
    for (auto _ : state) {
        auto next = std::make_shared<Snapshot>(*snapshot);
        next->generation = ++generation;
        benchmark::DoNotOptimize(exchange.publish(std::move(next)));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(snapshotPublish)->Arg(8)->Arg(512);

void snapshotLatest(benchmark::State& state)
{
    SnapshotExchange exchange;
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->generation = 1;
    exchange.publish(snapshot);
    for (auto _ : state)
        benchmark::DoNotOptimize(exchange.latest());
}
BENCHMARK(snapshotLatest);

} // namespace

BENCHMARK_MAIN();

// bench/memory: irqscope's resident set after arming 512 vectors and over a run at the highest rate (the
// producer-bound writer of bench/throughput), and the core thread's heap allocations after arming, counted by the
// test suite's allocation hook linked into this binary (must be 0). CI-sized by default; --minutes 10 for the
// long run. Fails (exit 1) on an allocation, unbalanced books, or RSS growth after warm-up above the limit.
#include "base/monotonic_clock.h"
#include "common/bench_device.h"
#include "common/system_probe.h"
#include "engine/alloc_probe.h"
#include "engine/cpu_setup.h"
#include "engine/engine.h"
#include "stats/aggregator.h"
#include "stats/stats_source.h"
#include "throughput/consumer.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <thread>

namespace irqscope::bench {

namespace {

struct Options
{
    uint32_t vectors = 512;
    double seconds = 5;
    double minutes = 0;
    int64_t flatLimitKiB = 1024;
    bool smoke = false;
};

uint64_t accounted(const core::Engine& engine, uint32_t vectors)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < vectors; ++i)
        sum += engine.counters(i).read().deviceOriginated;
    return sum;
}

int memoryMain(int argc, char** argv)
{
    Options o;
    CLI::App app{"irqscope memory bench: RSS after arming and over a run at the highest rate, and core-thread "
                 "allocations after arming (see docs/benchmarks.md)"};
    app.add_option("--vectors", o.vectors, "vectors armed (eventfds written round-robin)")
        ->check(CLI::Range(1u, 2048u));
    app.add_option("--seconds", o.seconds, "run length (CI-sized default)")->check(CLI::Range(1.0, 86400.0));
    app.add_option("--minutes", o.minutes, "long run in minutes (e.g. 10); overrides --seconds")
        ->check(CLI::Range(0.0, 1440.0));
    app.add_option("--flat-limit-kib", o.flatLimitKiB, "largest RSS growth after warm-up that still counts as flat");
    app.add_flag("--smoke", o.smoke, "3 s run");
    CLI11_PARSE(app, argc, argv);
    if (o.minutes > 0)
        o.seconds = o.minutes * 60;
    if (o.smoke)
        o.seconds = 3;
    if (!core::allocationHookInstalled()) {
        fmt::print(stderr, "the allocation hook is not linked into this binary\n");
        return 1;
    }

    fmt::print("irqscope bench/memory | {}\n", machineLine());
    const auto cpus = core::allowedCpus();
    TputPlan plan;
    plan.fds = o.vectors;
    plan.producerCpu = cpus.front();
    plan.consumerCpu = cpus.size() > 1 ? cpus[1] : cpus.front();
    plan.seconds = o.seconds;

    const int64_t rssStart = rssKiB();
    BenchDevice device(o.vectors);
    core::EngineConfig config;
    config.coreCpu = plan.consumerCpu;
    config.triggerMode = core::TriggerMode::None;
    core::Engine engine(device, config);
    if (auto err = engine.start()) {
        fmt::print(stderr, "irqscope engine: {}\n", *err);
        return 1;
    }
    core::Command arm;
    arm.kind = core::CommandKind::Arm;
    arm.index = core::IrqIndex::Msix;
    arm.count = o.vectors;
    if (const auto armed = engine.execute(arm); armed.error) {
        fmt::print(stderr, "irqscope arm: {}\n", armed.text());
        return 1;
    }
    core::EngineStatsSource source(engine);
    core::Aggregator aggregator(source);
    aggregator.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const int64_t rssArmed = rssKiB();

    std::vector<int> fds;
    for (uint32_t i = 0; i < o.vectors; ++i)
        fds.push_back(device.eventfd(i));
    Producer producer;
    std::thread writer([&] { producer.run(plan, fds); });
    // Warm-up: the aggregator allocates each vector's histograms on its first sample.
    const double warmupSeconds = std::min(10.0, std::max(1.0, o.seconds / 10));
    const int64_t start = core::monotonicNs();
    int64_t rssWarm = 0;
    int64_t rssPeak = 0;
    int64_t nextReport = start + 60'000'000'000;
    while (!producer.done()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const int64_t now = core::monotonicNs();
        const int64_t rss = rssKiB();
        if (rssWarm == 0 && now - start >= static_cast<int64_t>(warmupSeconds * 1e9))
            rssWarm = rss;
        if (rssWarm)
            rssPeak = std::max(rssPeak, rss);
        if (now >= nextReport) {
            fmt::print("  {:.0f} min: RSS {} KiB, {} signals\n", (now - start) / 60e9, rss, producer.produced());
            std::fflush(stdout);
            nextReport += 60'000'000'000;
        }
    }
    writer.join();
    const int64_t giveUp = core::monotonicNs() + kDrainGraceNs;
    while (accounted(engine, o.vectors) < producer.produced() && core::monotonicNs() < giveUp)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const uint64_t consumed = accounted(engine, o.vectors);
    const int64_t rssEnd = rssKiB();
    if (rssWarm == 0)
        rssWarm = rssEnd;
    rssPeak = std::max(rssPeak, rssEnd);
    const auto status = engine.status();
    aggregator.stop();
    engine.stop();

    const int64_t growth = rssPeak - rssWarm;
    const bool flat = growth <= o.flatLimitKiB;
    const bool balanced = consumed == producer.produced();
    fmt::print("{} vectors, {:.0f} s at {:.2f} M signals/s ({} signals, {} CQEs)\n", o.vectors, producer.seconds(),
               static_cast<double>(producer.produced()) / producer.seconds() / 1e6, producer.produced(),
               status.completions);
    fmt::print("RSS before the engine      {:>8} KiB\n", rssStart);
    fmt::print("RSS after arming           {:>8} KiB  (+{} KiB: engine, sample ring, aggregator)\n", rssArmed,
               rssArmed - rssStart);
    fmt::print("{:<26} {:>8} KiB  (per-vector histograms allocated on first sample)\n",
               fmt::format("RSS after {:.0f} s warm-up", warmupSeconds), rssWarm);
    fmt::print("RSS peak after warm-up     {:>8} KiB\n", rssPeak);
    fmt::print("RSS at the end             {:>8} KiB\n", rssEnd);
    fmt::print("RSS growth after warm-up   {:>8} KiB  (limit {} KiB): {}\n", growth, o.flatLimitKiB,
               flat ? "flat" : "GROWING");
    fmt::print("core-thread allocations after arming: {} (must be 0): {}\n", status.coreAllocationsAfterArm,
               status.coreAllocationsAfterArm == 0 ? "met" : "NOT met");
    fmt::print("accounting: produced {} consumed {}: {}\n", producer.produced(), consumed,
               balanced ? "ok" : "UNBALANCED");
    std::fflush(stdout);
    return flat && balanced && status.coreAllocationsAfterArm == 0 && !producer.failed() ? 0 : 1;
}

} // namespace
} // namespace irqscope::bench

int main(int argc, char** argv)
{
    return irqscope::bench::memoryMain(argc, argv);
}

// irqscope as the consumer: an Engine in passive mode on an N-vector BenchDevice (core thread pinned to the
// consumer CPU, SCHED_OTHER like the reference consumers), with the real Aggregator draining its sample ring.
// Signals are accounted from the engine's exact per-vector counters (device-originated completions), deliveries
// from its CQE count, CPU time from the core and aggregator threads' schedstat.
#include "base/monotonic_clock.h"
#include "common/bench_device.h"
#include "common/system_probe.h"
#include "engine/engine.h"
#include "stats/aggregator.h"
#include "stats/stats_source.h"
#include "throughput/consumer.h"

#include <fmt/format.h>

#include <thread>

namespace irqscope::bench {

namespace {

// The one thread `after` has that `before` had not (-1 if not exactly one).
pid_t newThread(const std::set<pid_t>& before, const std::set<pid_t>& after)
{
    pid_t found = -1;
    for (pid_t t : after) {
        if (!before.count(t)) {
            if (found >= 0)
                return -1;
            found = t;
        }
    }
    return found;
}

uint64_t accounted(const core::Engine& engine, uint32_t vectors)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < vectors; ++i)
        sum += engine.counters(i).read().deviceOriginated;
    return sum;
}

class EngineConsumer final : public Consumer
{
public:
    std::string_view name() const override { return "irqscope"; }
    bool isIrqscope() const override { return true; }

    TputResult run(const TputPlan& plan) override
    {
        BenchDevice device(plan.fds);
        core::EngineConfig config;
        config.coreCpu = plan.consumerCpu;
        config.triggerMode = core::TriggerMode::None;
        core::Engine engine(device, config);
        const auto beforeCore = threadIds();
        if (auto err = engine.start())
            return {.error = "irqscope engine: " + *err};
        const pid_t coreTid = newThread(beforeCore, threadIds());
        core::Command arm;
        arm.kind = core::CommandKind::Arm;
        arm.index = core::IrqIndex::Msix;
        arm.count = plan.fds;
        if (const auto armed = engine.execute(arm); armed.error)
            return {.error = fmt::format("irqscope arm: {}", armed.text())};
        std::vector<int> fds;
        for (uint32_t i = 0; i < plan.fds; ++i)
            fds.push_back(device.eventfd(i));

        core::EngineStatsSource source(engine);
        core::Aggregator aggregator(source);
        const auto beforeAggregator = threadIds();
        aggregator.start();
        const pid_t aggregatorTid = newThread(beforeAggregator, threadIds());

        const int64_t core0 = threadCpuNs(coreTid);
        const int64_t agg0 = threadCpuNs(aggregatorTid);
        const uint64_t deliveries0 = engine.status().completions;
        Producer producer;
        std::thread([&] { producer.run(plan, fds); }).join();
        const int64_t giveUp = core::monotonicNs() + kDrainGraceNs;
        uint64_t consumed = accounted(engine, plan.fds);
        while (consumed < producer.produced() && core::monotonicNs() < giveUp) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
            consumed = accounted(engine, plan.fds);
        }
        TputResult r;
        r.produced = producer.produced();
        r.consumed = consumed;
        r.deliveries = engine.status().completions - deliveries0;
        r.producerSeconds = producer.seconds();
        r.consumerCpuNs = threadCpuNs(coreTid) - core0;
        r.helperCpuNs = threadCpuNs(aggregatorTid) - agg0;
        if (coreTid < 0 || aggregatorTid < 0)
            r.error = "could not find irqscope's core or aggregator thread";
        if (producer.failed())
            r.error = "the producer's write(2) failed";
        const auto status = engine.status();
        aggregator.stop();
        engine.stop();
        r.ringDrops = status.ringDrops;
        return r;
    }
};

} // namespace

std::unique_ptr<Consumer> makeEngineConsumer()
{
    return std::make_unique<EngineConsumer>();
}

} // namespace irqscope::bench

// irqscope as a waiter: an Engine in passive mode (TriggerMode::None) on a one-vector BenchDevice, its core
// thread pinned to the waiter CPU. The producer writes the eventfd the engine armed, exactly as the kernel's
// eventfd_signal() does for a VFIO interrupt, and takes the engine's own completion timestamp from its sample
// ring as the acknowledgement.
#include "common/bench_device.h"
#include "engine/engine.h"
#include "latency/waiter.h"

#include <fmt/format.h>

#include <thread>

namespace irqscope::bench {

namespace {

class EngineWaiter final : public Waiter
{
public:
    explicit EngineWaiter(bool busyPoll)
        : m_busyPoll(busyPoll)
    {}
    std::string_view name() const override { return m_busyPoll ? "irqscope busy" : "irqscope"; }
    bool isIrqscope() const override { return true; }

    std::optional<std::string> runRound(const RoundPlan& plan, std::vector<int64_t>& latencies) override
    {
        BenchDevice device(1);
        core::EngineConfig config;
        config.coreCpu = plan.waiterCpu;
        config.fifoPriority = plan.fifoPriority;
        config.triggerMode = core::TriggerMode::None;
        config.busyPoll = m_busyPoll;
        core::Engine engine(device, config);
        if (auto err = engine.start())
            return "irqscope engine: " + *err;
        core::Command arm;
        arm.kind = core::CommandKind::Arm;
        arm.index = core::IrqIndex::Msix;
        const auto armed = engine.execute(arm);
        if (armed.error)
            return fmt::format("irqscope arm: {}", armed.text());
        const int fd = device.eventfd(0);

        std::vector<int64_t> signalNs;
        std::vector<int64_t> wakeNs(plan.total(), 0);
        uint32_t wrongValues = 0;
        auto& ring = engine.samples();
        bool produced = false;
        std::thread producer([&] {
            produced = produceSignals(plan, fd, signalNs, [&](uint32_t i) {
                core::Sample sample;
                bool found = false;
                waitUntil([&] {
                    while (ring.tryPop(sample)) {
                        if (sample.kind == core::SampleKind::Unsolicited)
                            return found = true;
                    }
                    return !engine.running();
                });
                if (!found)
                    return false;
                wakeNs[i] = sample.completionNs;
                wrongValues += sample.value != 1;
                return true;
            });
        });
        producer.join();
        engine.stop();
        if (!produced)
            return "irqscope: the producer's write failed or the engine stopped: " + engine.status().stopReason;
        const auto books = engine.counters(0).read();
        if (books.deviceOriginated != plan.total())
            return fmt::format("irqscope accounted {} signals of {}", books.deviceOriginated, plan.total());
        if (wrongValues)
            return fmt::format("irqscope read {} signals coalesced", wrongValues);
        latencies.clear();
        for (uint32_t i = plan.warmup; i < plan.total(); ++i)
            latencies.push_back(wakeNs[i] - signalNs[i]);
        return std::nullopt;
    }

private:
    bool m_busyPoll;
};

} // namespace

std::unique_ptr<Waiter> makeEngineWaiter(bool busyPoll)
{
    return std::make_unique<EngineWaiter>(busyPoll);
}

} // namespace irqscope::bench

// ObserverModel: counts since the start, rates from two samples (total and per CPU), vectors appearing and
// disappearing with their times, CPU hot-unplug and online, affinity moves, IRQs reallocated, and the Snapshot
// it builds (no latency claimed).
#include "observe/observer_model.h"

#include "engine/vector_counters.h"

#include <gtest/gtest.h>

using namespace irqscope::core;

namespace {

constexpr int64_t kSec = 1'000'000'000;

ObservedIrq msix(uint32_t sub, int irq, std::vector<uint64_t> perCpu, int cpu = 0, uint64_t unhandled = 0)
{
    ObservedIrq o;
    o.irq.irq = irq;
    o.irq.action = {{IrqIndex::Msix, sub}, "0000:00:02.0"};
    o.irq.perCpu = std::move(perCpu);
    o.irq.effectiveCpu = cpu;
    o.spurious.unhandled = unhandled;
    return o;
}

IrqSample sample(int64_t t, std::vector<int> cpus, std::vector<ObservedIrq> irqs)
{
    return {t, std::move(cpus), std::move(irqs), {}};
}

const VectorSnapshot* find(const Snapshot& s, uint32_t sub)
{
    for (const auto& v : s.vectors)
        if (v.id == VectorId{IrqIndex::Msix, sub})
            return &v;
    return nullptr;
}

} // namespace

TEST(ObserveModel, RatesFromTwoSamples)
{
    ObserverModel m;
    m.update(sample(10 * kSec, {0, 1}, {msix(0, 24, {1000, 50}, 1), msix(1, 25, {7, 0})}));
    auto s = m.snapshot(1, "0000:00:02.0", 0);
    EXPECT_TRUE(s.observed);
    ASSERT_EQ(s.vectors.size(), 2u);
    EXPECT_EQ(s.vectors[0].observed->hostCount, 0u); // the baseline: nothing counted yet
    EXPECT_EQ(s.vectors[0].observed->hostRateHz, 0.0);

    m.update(sample(10 * kSec + kSec / 2, {0, 1}, {msix(0, 24, {1000, 550}, 1), msix(1, 25, {107, 0})}));
    s = m.snapshot(2, "0000:00:02.0", 0);
    const auto* v0 = find(s, 0);
    ASSERT_NE(v0, nullptr);
    EXPECT_EQ(v0->observed->hostCount, 500u);
    EXPECT_DOUBLE_EQ(v0->observed->hostRateHz, 1000.0); // 500 in 0.5 s
    ASSERT_EQ(v0->observed->perCpuRateHz.size(), 2u);
    EXPECT_EQ(v0->observed->perCpuRateHz[0], (std::pair<int, double>{0, 0.0}));
    EXPECT_EQ(v0->observed->perCpuRateHz[1], (std::pair<int, double>{1, 1000.0}));
    EXPECT_EQ(v0->hostIrq, 24);
    EXPECT_EQ(v0->hostCpu, 1);
    EXPECT_TRUE(v0->observed->present);
    EXPECT_EQ(v0->latency.count, 0u); // never a latency that was not measured
    EXPECT_TRUE(v0->histogram.empty());
    EXPECT_EQ(v0->counters.triggered, 0u);
    EXPECT_EQ(v0->counters.completed, 0u);
    EXPECT_DOUBLE_EQ(find(s, 1)->observed->hostRateHz, 200.0);
    EXPECT_DOUBLE_EQ(s.elapsedSec, 0.5);
    EXPECT_EQ(s.generation, 2u);
    EXPECT_EQ(s.deviceId, "0000:00:02.0");
}

TEST(ObserveModel, VectorsAppearAndDisappear)
{
    ObserverModel m;
    m.update(sample(0, {0}, {msix(0, 24, {5})}));
    // The guest enables vectors 1 and 2 between the samples: they count from 0.
    m.update(sample(1 * kSec, {0}, {msix(0, 24, {5}), msix(1, 25, {30}), msix(2, 26, {4})}));
    auto s = m.snapshot(2, "d", 0);
    ASSERT_EQ(s.vectors.size(), 3u);
    EXPECT_EQ(find(s, 1)->observed->hostCount, 30u);
    EXPECT_DOUBLE_EQ(find(s, 1)->observed->hostRateHz, 30.0);
    EXPECT_EQ(find(s, 1)->observed->appearedNs, 1 * kSec);
    EXPECT_EQ(find(s, 0)->observed->appearedNs, 0);
    EXPECT_EQ(m.presentCount(), 3u);

    // Vector 2 is disabled: it stays in the snapshot, gone, with its count and when it went.
    m.update(sample(2 * kSec, {0}, {msix(0, 24, {5}), msix(1, 25, {40})}));
    s = m.snapshot(3, "d", 0);
    const auto* gone = find(s, 2);
    ASSERT_NE(gone, nullptr);
    EXPECT_FALSE(gone->observed->present);
    EXPECT_EQ(gone->observed->disappearedNs, 2 * kSec);
    EXPECT_EQ(gone->observed->hostRateHz, 0.0);
    EXPECT_EQ(gone->observed->hostCount, 4u);
    EXPECT_TRUE(gone->observed->perCpuRateHz.empty());
    EXPECT_EQ(m.presentCount(), 2u);

    // It comes back on the same IRQ (its count went on from 4 to 10): only the new 6 count.
    m.update(sample(3 * kSec, {0}, {msix(0, 24, {5}), msix(1, 25, {40}), msix(2, 26, {10})}));
    EXPECT_EQ(find(m.snapshot(4, "d", 0), 2)->observed->hostCount, 10u);
    EXPECT_EQ(find(m.snapshot(4, "d", 0), 2)->observed->disappearedNs, 0);

    // Gone again and back on another IRQ, whose count starts from 0.
    m.update(sample(4 * kSec, {0}, {msix(0, 24, {5}), msix(1, 25, {40})}));
    m.update(sample(5 * kSec, {0}, {msix(0, 24, {5}), msix(1, 25, {40}), msix(2, 31, {3})}));
    s = m.snapshot(6, "d", 0);
    EXPECT_EQ(find(s, 2)->observed->hostCount, 13u);
    EXPECT_EQ(find(s, 2)->hostIrq, 31);

    const auto& events = m.events();
    ASSERT_EQ(events.size(), 6u);
    const std::vector<std::pair<int64_t, ObserverEventKind>> expected = {
        {1 * kSec, ObserverEventKind::Appeared},    {1 * kSec, ObserverEventKind::Appeared},
        {2 * kSec, ObserverEventKind::Disappeared}, {3 * kSec, ObserverEventKind::Appeared},
        {4 * kSec, ObserverEventKind::Disappeared}, {5 * kSec, ObserverEventKind::Appeared}};
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(events[i].timeNs, expected[i].first) << i;
        EXPECT_EQ(events[i].kind, expected[i].second) << i;
    }
    EXPECT_EQ(events[0].vector, (VectorId{IrqIndex::Msix, 1}));
    EXPECT_EQ(events[5].hostIrq, 31);
    EXPECT_STREQ(observerEventName(events[2].kind), "disappeared");
}

TEST(ObserveModel, ReallocatedBetweenSamples)
{
    ObserverModel m;
    m.update(sample(0, {0}, {msix(0, 24, {500})}));
    // Disabled and re-enabled within one interval on another IRQ: counted from 0, two events.
    m.update(sample(kSec, {0}, {msix(0, 40, {8})}));
    auto s = m.snapshot(2, "d", 0);
    EXPECT_EQ(s.vectors[0].observed->hostCount, 8u);
    EXPECT_EQ(s.vectors[0].hostIrq, 40);
    ASSERT_EQ(m.events().size(), 2u);
    EXPECT_EQ(m.events()[0].kind, ObserverEventKind::Disappeared);
    EXPECT_EQ(m.events()[0].hostIrq, 24);
    EXPECT_EQ(m.events()[1].kind, ObserverEventKind::Appeared);
    // Same IRQ but its count went backwards (freed and reallocated): the new count is all new.
    m.update(sample(2 * kSec, {0}, {msix(0, 40, {3})}));
    EXPECT_EQ(m.snapshot(3, "d", 0).vectors[0].observed->hostCount, 11u);
}

TEST(ObserveModel, CpuHotplugChangesTheColumns)
{
    ObserverModel m;
    m.update(sample(0, {0, 1, 2}, {msix(0, 24, {10, 20, 30}, 2)}));
    // CPU1 goes offline: its column disappears; the others go on.
    m.update(sample(kSec, {0, 2}, {msix(0, 24, {15, 130}, 2)}));
    auto s = m.snapshot(2, "d", 0);
    EXPECT_EQ(s.vectors[0].observed->hostCount, 105u);
    EXPECT_EQ(s.vectors[0].observed->perCpuRateHz, (std::vector<std::pair<int, double>>{{0, 5.0}, {2, 100.0}}));
    // CPU1 comes back with its old count plus 7, and CPU3 appears for the first time (its count is a baseline).
    m.update(sample(2 * kSec, {0, 1, 2, 3}, {msix(0, 24, {15, 27, 130, 1000}, 1)}));
    s = m.snapshot(3, "d", 0);
    EXPECT_EQ(s.vectors[0].observed->hostCount, 112u);
    EXPECT_EQ(s.vectors[0].observed->perCpuRateHz,
              (std::vector<std::pair<int, double>>{{0, 0.0}, {1, 7.0}, {2, 0.0}, {3, 0.0}}));
    EXPECT_EQ(s.vectors[0].hostCpu, 1);
    ASSERT_EQ(m.events().size(), 1u);
    EXPECT_EQ(m.events()[0].kind, ObserverEventKind::Moved);
    EXPECT_EQ(m.events()[0].hostCpu, 1);
}

TEST(ObserveModel, UnhandledAndSnapshotOrder)
{
    ObserverModel m;
    ObservedIrq intx;
    intx.irq.irq = 16;
    intx.irq.action = {{IrqIndex::Intx, 0}, "d"};
    intx.irq.perCpu = {3};
    intx.spurious.unhandled = 37;
    m.update(sample(0, {0}, {msix(3, 30, {0}), intx, msix(1, 28, {0})}));
    const auto s = m.snapshot(1, "d", 0);
    ASSERT_EQ(s.vectors.size(), 3u);
    EXPECT_EQ(s.vectors[0].name, "intx:0");
    EXPECT_EQ(s.vectors[0].observed->hostUnhandled, 37u);
    EXPECT_EQ(s.vectors[1].name, "msix:1");
    EXPECT_EQ(s.vectors[2].name, "msix:3");
    EXPECT_EQ(s.vectors[2].slot, 2u);
}

TEST(ObserveModel, LastSampleAtStopKeepsTheLastIntervalRates)
{
    ObserverModel m;
    m.update(sample(0, {0}, {msix(0, 24, {0}), msix(1, 25, {0})}));
    m.update(sample(kSec, {0}, {msix(0, 24, {500}), msix(1, 25, {100})}));
    // Stopped 10 ms later: 4 more interrupts count, but a rate over 10 ms would be noise.
    m.update(sample(kSec + kSec / 100, {0}, {msix(0, 24, {504})}), true);
    const auto s = m.snapshot(3, "d", 0);
    EXPECT_EQ(s.vectors[0].observed->hostCount, 504u);
    EXPECT_DOUBLE_EQ(s.vectors[0].observed->hostRateHz, 500.0);
    EXPECT_EQ(s.vectors[0].observed->perCpuRateHz, (std::vector<std::pair<int, double>>{{0, 500.0}}));
    EXPECT_EQ(s.vectors[1].observed->hostRateHz, 0.0); // gone at stop
    EXPECT_EQ(s.vectors[1].observed->disappearedNs, kSec + kSec / 100);
}

TEST(ObserveModel, TextsThroughOnlineAndOffline)
{
    // /proc/interrupts texts fed through the parser: CPU1 comes online (first seen: a baseline), gets 5
    // interrupts, then CPU0 goes offline; nothing is counted twice or lost from the CPUs that stay.
    const std::string t0 = "           CPU0\n 24:  100  PCI-MSI 32768-edge  vfio-msix[0](0000:00:02.0)\n";
    const std::string t1 = "           CPU0 CPU1\n 24:  150  7  PCI-MSI 32768-edge  vfio-msix[0](0000:00:02.0)\n";
    const std::string t2 = "           CPU0 CPU1\n 24:  150  12  PCI-MSI 32768-edge  vfio-msix[0](0000:00:02.0)\n";
    const std::string t3 = "           CPU1\n 24:  20  PCI-MSI 32768-edge  vfio-msix[0](0000:00:02.0)\n";
    ObserverModel m;
    m.update(sampleFromText(t0, "0000:00:02.0", "/nonexistent", 0));
    m.update(sampleFromText(t1, "0000:00:02.0", "/nonexistent", kSec));
    EXPECT_EQ(m.snapshot(2, "d", 0).vectors[0].observed->hostCount, 50u);
    m.update(sampleFromText(t2, "0000:00:02.0", "/nonexistent", 2 * kSec));
    EXPECT_EQ(m.snapshot(3, "d", 0).vectors[0].observed->hostCount, 55u);
    m.update(sampleFromText(t3, "0000:00:02.0", "/nonexistent", 3 * kSec));
    const auto s = m.snapshot(4, "d", 0);
    EXPECT_EQ(s.vectors[0].observed->hostCount, 63u);
    EXPECT_EQ(s.vectors[0].observed->perCpuRateHz, (std::vector<std::pair<int, double>>{{1, 8.0}}));
}

// HostIrqTracker: the host IRQ, CPU and device-raised count of each vector across a run, from /proc/interrupts
// texts (the baseline, vectors going and coming back, a reallocated IRQ, INTx's persistent line, a fake /proc).
#include "observe/host_irq.h"

#include "base/monotonic_clock.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace irqscope::core;

namespace {

constexpr const char* kBdf = "0000:00:02.0";

// A /proc/interrupts line of a one-CPU machine.
std::string line(int irq, uint64_t count, const std::string& action)
{
    return fmt::format("{:>3}: {:>10}   PCI-MSI 32768-edge      {}\n", irq, count, action);
}

std::vector<HostIrq> parse(const std::string& body)
{
    return parseProcInterrupts("           CPU0       \n" + body);
}

Snapshot snapshotOf(std::initializer_list<VectorId> ids)
{
    Snapshot s;
    for (const auto id : ids) {
        VectorSnapshot v;
        v.id = id;
        v.name = vectorName(id);
        s.vectors.push_back(v);
    }
    return s;
}

const VectorId kMsix0{IrqIndex::Msix, 0};
const VectorId kMsix1{IrqIndex::Msix, 1};
const VectorId kIntx0{IrqIndex::Intx, 0};

} // namespace

TEST(HostIrqTracker, CountsFromTheBaselineAndKeepsLastValuesAfterDisarm)
{
    HostIrqTracker t(kBdf);
    // Baseline: vector 0 already counted 7 (armed earlier), vector 1 nothing.
    t.update(parse(line(24, 7, "vfio-msix[0](0000:00:02.0)") + line(25, 0, "vfio-msix[1](0000:00:02.0)") +
                   line(26, 50, "vfio-msix[0](0000:00:03.0)"))); // another device: ignored
    t.update(parse(line(24, 107, "vfio-msix[0](0000:00:02.0)") + line(25, 3, "vfio-msix[1](0000:00:02.0)")));
    // Disarmed: the lines are gone; the last values stay.
    t.update(parse(""));
    auto s = snapshotOf({kMsix0, kMsix1, kIntx0});
    s.vectors[0].counters.completed = 100;
    s.vectors[1].counters.completed = 5; // 3 from the device, 2 loopback
    t.apply(s);
    EXPECT_EQ(s.vectors[0].hostIrq, 24);
    EXPECT_EQ(s.vectors[0].hostCount, 100u);
    EXPECT_EQ(s.vectors[0].hostCompletionGap(), 0);
    EXPECT_EQ(s.vectors[1].hostIrq, 25);
    EXPECT_EQ(s.vectors[1].hostCount, 3u);
    EXPECT_EQ(s.vectors[1].hostCompletionGap(), 2);
    EXPECT_EQ(s.vectors[2].hostIrq, -1); // never seen: unknown, and no gap claimed
    EXPECT_EQ(s.vectors[2].hostCompletionGap(), 0);
}

TEST(HostIrqTracker, AVectorArmedAfterTheBaselineCountsFromZeroUnlessItIsIntx)
{
    HostIrqTracker t(kBdf);
    t.update(parse(""));
    // MSI-X: vfio allocated the IRQ when it armed the vector, so all of its count is this run's. INTx: the line
    // outlives the action and counted before.
    t.update(parse(line(24, 4, "vfio-msix[0](0000:00:02.0)") + line(11, 900, "vfio-intx(0000:00:02.0)")));
    t.update(parse(line(24, 9, "vfio-msix[0](0000:00:02.0)") + line(11, 905, "vfio-intx(0000:00:02.0)")));
    auto s = snapshotOf({kMsix0, kIntx0});
    t.apply(s);
    EXPECT_EQ(s.vectors[0].hostCount, 9u);
    EXPECT_EQ(s.vectors[1].hostCount, 5u);
}

TEST(HostIrqTracker, AVectorBackOnAnotherOrAReallocatedIrqKeepsCounting)
{
    HostIrqTracker t(kBdf);
    t.update(parse(line(24, 10, "vfio-msix[0](0000:00:02.0)")));
    t.update(parse(line(24, 30, "vfio-msix[0](0000:00:02.0)"))); // +20
    t.update(parse(line(31, 5, "vfio-msix[0](0000:00:02.0)")));  // re-armed on IRQ 31: +5
    t.update(parse(line(31, 2, "vfio-msix[0](0000:00:02.0)")));  // freed and reallocated as 31: +2
    auto s = snapshotOf({kMsix0});
    t.apply(s);
    EXPECT_EQ(s.vectors[0].hostIrq, 31);
    EXPECT_EQ(s.vectors[0].hostCount, 27u);
}

TEST(HostIrqTracker, ReadsProcAndRefreshesOnlyWhenTheReadingIsOld)
{
    const auto root = std::filesystem::temp_directory_path() / ("irqscope_tracker_" + std::to_string(getpid()));
    std::filesystem::create_directories(root / "irq" / "24");
    auto write = [&](uint64_t count) { // two CPUs: the count is their sum
        std::ofstream(root / "interrupts")
            << "           CPU0       CPU1\n"
            << fmt::format(" 24: {} 1 PCI-MSI 32768-edge vfio-msix[0](0000:00:02.0)\n", count);
    };
    std::ofstream(root / "irq" / "24" / "effective_affinity_list") << "1\n";
    write(5);
    HostIrqTracker t(kBdf, root.string());
    t.refresh(1'000'000'000, 250'000'000); // no baseline yet: reads
    write(8);
    // The reading's age is measured on CLOCK_MONOTONIC from when it was taken: a limit of an hour makes it fresh
    // however long this machine took since, and one an hour ahead makes it old.
    constexpr int64_t kHourNs = 3'600'000'000'000;
    t.refresh(monotonicNs(), kHourNs); // the reading is fresh: not read again
    auto s = snapshotOf({kMsix0});
    t.apply(s);
    EXPECT_EQ(s.vectors[0].hostCount, 0u);
    t.refresh(monotonicNs() + kHourNs, kHourNs); // an hour later it is old: read again
    t.apply(s);
    EXPECT_EQ(s.vectors[0].hostIrq, 24);
    EXPECT_EQ(s.vectors[0].hostCpu, 1);
    EXPECT_EQ(s.vectors[0].hostCount, 3u);
    std::filesystem::remove_all(root);
}

TEST(HostIrqTracker, AReadingTornByADisarmKeepsTheIrqsCpuAndThread)
{
    // Seen in the guests on a loaded host: a sample on the aggregator's thread read /proc/interrupts with the action
    // still listed, then the core thread's disarm cleared the effective affinity and ended the IRQ thread before the
    // sample read them. The report then said host_cpu null after hundreds of device-raised interrupts.
    HostIrqTracker t(kBdf);
    auto known = parse(line(24, 7, "vfio-msix[0](0000:00:02.0)"));
    known[0].effectiveCpu = 2;
    known[0].thread = IrqThreadInfo{};
    known[0].thread->pid = 87;
    t.update(known);
    auto torn = parse(line(24, 9, "vfio-msix[0](0000:00:02.0)")); // no CPU, no thread: read after the disarm
    t.update(torn);
    auto s = snapshotOf({kMsix0});
    t.apply(s);
    EXPECT_EQ(s.vectors[0].hostCpu, 2);
    ASSERT_TRUE(s.vectors[0].irqThread);
    EXPECT_EQ(s.vectors[0].irqThread->pid, 87);
    EXPECT_EQ(s.vectors[0].hostCount, 2u);
    // Another IRQ for the vector starts over: what was known of the old one does not carry over.
    t.update(parse(line(30, 0, "vfio-msix[0](0000:00:02.0)")));
    s = snapshotOf({kMsix0});
    t.apply(s);
    EXPECT_EQ(s.vectors[0].hostIrq, 30);
    EXPECT_EQ(s.vectors[0].hostCpu, -1);
    EXPECT_FALSE(s.vectors[0].irqThread);
}

// LiveRun on the simulated device: range checks before anything is armed, the whole start-up order, the stop
// that leaves every vector disarmed with balanced books, and the host-IRQ baseline and final reading against a
// fake /proc. No timing is assumed: every wait is for a condition, bounded only to fail instead of hanging.
#include "run/live_run.h"

#include "base/monotonic_clock.h"
#include "run/vector_ranges.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <thread>

using namespace irqscope::core;
using namespace std::chrono_literals;

namespace {

constexpr int64_t kGiveUpNs = 30'000'000'000; // a failing condition ends the test instead of hanging it

OpenedDevice openSim(uint32_t msix = 8, uint32_t msi = 8)
{
    DeviceRequest request;
    request.sim.msixVectors = msix;
    request.sim.msiVectors = msi;
    OpenedDevice opened = openDevice(request);
    EXPECT_TRUE(opened.device) << opened.error;
    return opened;
}

LiveRunConfig configWith(TriggerMode mode, double rateHz = 1000)
{
    LiveRunConfig config;
    config.engine.triggerMode = mode;
    config.engine.rateHz = rateHz;
    return config;
}

// Waits until `done(snapshot)` holds for the run's latest snapshot; false when it never did.
template<typename Predicate>
bool waitForSnapshot(const LiveRun& run, Predicate done)
{
    const int64_t giveUp = monotonicNs() + kGiveUpNs;
    while (monotonicNs() < giveUp) {
        if (const auto snap = run.latest(); snap && done(*snap))
            return true;
        std::this_thread::sleep_for(2ms);
    }
    return false;
}

const VectorSnapshot& vectorOf(const Snapshot& s, VectorId id)
{
    for (const auto& v : s.vectors)
        if (v.id == id)
            return v;
    static const VectorSnapshot kNone;
    return kNone;
}

const VectorId kLiveRunMsix0{IrqIndex::Msix, 0};

bool balanced(const CountersCopy& c)
{
    return c.triggered == c.completed + c.coalesced + c.missed + c.inFlight;
}

// A one-CPU /proc with one vfio line per (vector, count) of the simulated device.
class FakeProc
{
public:
    FakeProc()
        : m_root(std::filesystem::temp_directory_path() / fmt::format("irqscope-liverun-{}", getpid()))
    {
        std::filesystem::create_directories(m_root);
    }
    ~FakeProc() { std::filesystem::remove_all(m_root); }
    std::string root() const { return m_root.string(); }
    void write(uint64_t msix0Count) const
    {
        std::ofstream(m_root / "interrupts")
            << "           CPU0       \n"
            << fmt::format(" 40: {:>10}   PCI-MSI 32768-edge      vfio-msix[0](sim)\n", msix0Count);
    }

private:
    std::filesystem::path m_root;
};

} // namespace

TEST(LiveRunRanges, AllTakesEveryVectorOfItsIndex)
{
    OpenedDevice opened = openSim(8);
    LiveRun run(opened, configWith(TriggerMode::Loopback));
    std::string error;
    auto ranges = *parseVectorSpec("msix", error);
    EXPECT_EQ(run.resolve(ranges), "");
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_EQ(ranges[0].start, 0u);
    EXPECT_EQ(ranges[0].count, 8u);
}

TEST(LiveRunRanges, OutOfRangeAndMissingIndexAreOneLineErrors)
{
    OpenedDevice opened = openSim(8, 0);
    LiveRunConfig config = configWith(TriggerMode::Loopback);
    config.deviceLabel = "sim";
    LiveRun run(opened, config);
    std::string error;
    auto tooMany = *parseVectorSpec("msix:6-9", error);
    EXPECT_EQ(run.resolve(tooMany), "msix:6-9 is out of range: sim has 8 msix vectors (msix:0-7)");
    auto none = *parseVectorSpec("msi:0", error);
    EXPECT_EQ(run.resolve(none), "msi:0 is not available: sim has no msi vectors (see `irqscope list`)");
}

TEST(LiveRunRanges, DeviceTriggersNeedAProfileThatCanRaiseEveryVector)
{
    OpenedDevice opened = openSim(8);
    opened.profile = genericProfile(); // loopback only: raises nothing
    LiveRun run(opened, configWith(TriggerMode::Device));
    std::string error;
    auto ranges = *parseVectorSpec("msix:2-3", error);
    const std::string err = run.resolve(ranges);
    EXPECT_NE(err.find("does not say how to raise msix:2"), std::string::npos) << err;
    EXPECT_EQ(err.find('\n'), std::string::npos);
    // The same ranges are fine for loopback triggers.
    LiveRun loopback(opened, configWith(TriggerMode::Loopback));
    EXPECT_EQ(loopback.resolve(ranges), "");
}

TEST(LiveRun, MeasuresAndStopsWithEveryVectorDisarmedAndBalanced)
{
    OpenedDevice opened = openSim(8);
    LiveRun run(opened, configWith(TriggerMode::Loopback));
    std::string error;
    auto ranges = *parseVectorSpec("msix:0-3", error);
    ASSERT_EQ(run.resolve(ranges), "");
    ASSERT_FALSE(run.startEngine());
    ASSERT_EQ(run.arm(ranges), "");
    ASSERT_EQ(run.startTriggering(ranges), "");
    bool prepared = false;
    run.startAggregator({}, [&prepared](Aggregator&) { prepared = true; });
    EXPECT_TRUE(prepared);
    EXPECT_EQ(run.hostIrqs(), nullptr); // the simulated device raises no host interrupts

    ASSERT_TRUE(waitForSnapshot(run, [](const Snapshot& s) {
        uint32_t measured = 0;
        for (const auto& v : s.vectors)
            measured += v.counters.completed > 0 ? 1 : 0;
        return measured == 4;
    }));
    const LiveRunEnd end = run.stop();
    ASSERT_TRUE(end.final);
    EXPECT_FALSE(end.status.running);
    for (const auto& v : end.final->vectors) {
        EXPECT_EQ(v.counters.state & vstate::kArmed, 0u) << v.name;
        EXPECT_TRUE(balanced(v.counters)) << v.name;
    }
    EXPECT_EQ(run.latest(), end.final);
    // Idempotent: a second stop gives the same end.
    EXPECT_EQ(run.stop().final, end.final);
}

TEST(LiveRun, PassiveRunFiresNothing)
{
    OpenedDevice opened = openSim(8);
    LiveRun run(opened, configWith(TriggerMode::None));
    std::string error;
    auto ranges = *parseVectorSpec("msix:0-1", error);
    ASSERT_EQ(run.resolve(ranges), "");
    ASSERT_FALSE(run.startEngine());
    ASSERT_EQ(run.arm(ranges), "");
    EXPECT_EQ(run.startTriggering(ranges), "");
    run.startAggregator();
    ASSERT_TRUE(waitForSnapshot(
        run, [](const Snapshot& s) { return (vectorOf(s, kLiveRunMsix0).counters.state & vstate::kArmed) != 0; }));
    const LiveRunEnd end = run.stop();
    ASSERT_TRUE(end.final);
    for (const auto& v : end.final->vectors)
        EXPECT_EQ(v.counters.triggered, 0u) << v.name;
}

TEST(LiveRun, ArmFailureIsReportedAndStopStillDisarms)
{
    OpenedDevice opened = openSim(8);
    LiveRun run(opened, configWith(TriggerMode::Loopback));
    ASSERT_FALSE(run.startEngine());
    // Unresolved on purpose: the first range arms, the second is past the table.
    const std::vector<VectorRange> ranges = {{IrqIndex::Msix, 0, 2}, {IrqIndex::Msix, 6, 4}};
    EXPECT_NE(run.arm(ranges), "");
    const LiveRunEnd end = run.stop();
    EXPECT_FALSE(end.final); // no aggregator was started
    EXPECT_FALSE(end.status.running);
}

TEST(LiveRun, HostIrqCountsRunFromTheArmBaselineToTheFinalReading)
{
    FakeProc proc;
    proc.write(5); // counted before the run: not the run's
    OpenedDevice opened = openSim(8);
    LiveRunConfig config = configWith(TriggerMode::Loopback);
    config.trackHostIrqs = true;
    config.procRoot = proc.root();
    LiveRun run(opened, config);
    ASSERT_NE(run.hostIrqs(), nullptr);
    std::string error;
    auto ranges = *parseVectorSpec("msix:0-1", error);
    ASSERT_EQ(run.resolve(ranges), "");
    ASSERT_FALSE(run.startEngine());
    ASSERT_EQ(run.arm(ranges), ""); // the baseline: 5
    ASSERT_EQ(run.startTriggering(ranges), "");
    run.startAggregator();
    ASSERT_TRUE(waitForSnapshot(run, [](const Snapshot& s) { return vectorOf(s, kLiveRunMsix0).hostIrq == 40; }));
    proc.write(12); // the host IRQ took 7 during the run; stop() reads it before disarming
    const LiveRunEnd end = run.stop();
    ASSERT_TRUE(end.final);
    const auto& msix0 = vectorOf(*end.final, kLiveRunMsix0);
    EXPECT_EQ(msix0.hostIrq, 40);
    EXPECT_EQ(msix0.hostCount, 7u);
    for (const auto& v : end.final->vectors) {
        EXPECT_EQ(v.counters.state & (vstate::kArmed | vstate::kTriggering), 0u) << v.name;
        EXPECT_TRUE(balanced(v.counters)) << v.name;
    }
}

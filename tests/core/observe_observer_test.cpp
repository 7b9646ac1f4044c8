// The Observer's thread against a fake procfs tree (vectors appear, count and disappear while it samples), the
// one-line refusal of a device with no vfio vector and no owner, and the observer report.
#include "observe/observe_report.h"
#include "observe/observer.h"
#include "wait_until.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace irqscope::core;
using irqscope::test::kGenerousTimeout;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

class ObserverProc
{
public:
    ObserverProc()
        : m_root(fs::temp_directory_path() / ("irqscope_observe_observer_" + std::to_string(getpid())))
    {
        fs::remove_all(m_root);
        fs::create_directories(m_root);
    }
    ~ObserverProc() { fs::remove_all(m_root); }
    std::string root() const { return m_root.string(); }
    // Writes /proc/interrupts atomically (the sampler may read at any time).
    void interrupts(const std::string& text)
    {
        std::ofstream(m_root / "interrupts.tmp") << text;
        fs::rename(m_root / "interrupts.tmp", m_root / "interrupts");
    }

private:
    fs::path m_root;
};

std::string twoVectors(uint64_t a, uint64_t b)
{
    return "           CPU0       CPU1\n"
           " 24:          " +
           std::to_string(a) +
           "          0   PCI-MSI 32768-edge      vfio-msix[0](0000:00:02.0)\n"
           " 25:          0          " +
           std::to_string(b) + "   PCI-MSI 32769-edge      vfio-msix[1](0000:00:02.0)\n";
}

std::shared_ptr<const Snapshot> waitFor(const Observer& o, uint64_t after)
{
    return o.exchange().waitNewer(after, kGenerousTimeout);
}

} // namespace

TEST(ObserveObserver, NoVectorsAndNoOwnerIsOneLineError)
{
    IrqSample empty;
    const auto err = observeStartError("0000:00:09.0", empty, std::nullopt);
    ASSERT_TRUE(err);
    EXPECT_EQ(err->find('\n'), std::string::npos);
    EXPECT_NE(err->find("0000:00:09.0 has no vfio vector"), std::string::npos) << *err;
    EXPECT_NE(err->find("irqscope run --device 0000:00:09.0"), std::string::npos) << *err;
    // Owned but the guest has not enabled anything yet: worth watching.
    EXPECT_FALSE(observeStartError("0000:00:09.0", empty, DeviceOwner{"qemu", 1, "/dev/vfio/1", std::nullopt}));
    IrqSample one;
    one.irqs.emplace_back();
    EXPECT_FALSE(observeStartError("0000:00:09.0", one, std::nullopt));
}

TEST(ObserveObserver, SamplesAFakeProcTreeWhileItChanges)
{
    ObserverProc p;
    p.interrupts(twoVectors(100, 7));
    ObserverConfig config;
    config.bdf = "0000:00:02.0";
    config.procRoot = p.root();
    config.interval = 20ms;
    Observer o(config);
    o.start();
    auto first = o.latest();
    ASSERT_TRUE(first);
    EXPECT_TRUE(first->observed);
    ASSERT_EQ(first->vectors.size(), 2u);

    p.interrupts(twoVectors(160, 7));
    std::shared_ptr<const Snapshot> s = first;
    for (int i = 0; i < 100 && (s->vectors[0].observed->hostCount != 60); ++i)
        s = waitFor(o, s->generation);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->vectors[0].observed->hostCount, 60u);

    // The guest disables vector 1.
    p.interrupts("           CPU0       CPU1\n"
                 " 24:        160          0   PCI-MSI 32768-edge      vfio-msix[0](0000:00:02.0)\n");
    for (int i = 0; i < 100 && s->vectors[1].observed->present; ++i)
        s = waitFor(o, s->generation);
    EXPECT_FALSE(s->vectors[1].observed->present);
    EXPECT_GT(s->vectors[1].observed->disappearedNs, 0);

    const auto final = o.finalSnapshot();
    ASSERT_TRUE(final);
    EXPECT_GE(final->generation, s->generation);
    EXPECT_GE(o.samples(), 3u);
    const auto events = o.events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, ObserverEventKind::Disappeared);
    EXPECT_EQ(events[0].vector, (VectorId{IrqIndex::Msix, 1}));

    // The report: same schema as active mode, latency not measured, plus the observer section.
    ObserveDescription d;
    d.owner = DeviceOwner{"qemu-system-x86", 4242, "/dev/vfio/12", std::nullopt};
    d.intervalNs = 20'000'000;
    d.startNs = o.startNs();
    d.samples = o.samples();
    d.handlerTiming = "not available: needs tracefs write access";
    RunDescription run;
    run.trigger = "none (observe)";
    const auto report = observeReportJson(*final, run, SystemInfo{}, d, events);
    EXPECT_EQ(report["schema"], "irqscope.report");
    ASSERT_EQ(report["vectors"].size(), 2u);
    const auto& v0 = report["vectors"][0];
    EXPECT_EQ(v0["name"], "msix:0");
    EXPECT_EQ(v0["device_originated"], 60);
    EXPECT_EQ(v0["count"], 60);
    EXPECT_EQ(v0["latency_ns"]["count"], 0);
    EXPECT_EQ(v0["host_irq"], 24);
    EXPECT_EQ(v0["observed"], true);
    EXPECT_EQ(v0["present"], true);
    EXPECT_TRUE(v0["per_cpu_rate_hz"].is_object());
    EXPECT_GT(v0["mean_rate_hz"].get<double>(), 0.0);
    EXPECT_EQ(report["vectors"][1]["present"], false);
    EXPECT_TRUE(report["vectors"][1]["disappeared_s"].is_number());
    EXPECT_EQ(report["observer"]["owner"]["pid"], 4242);
    ASSERT_EQ(report["observer"]["events"].size(), 1u);
    EXPECT_EQ(report["observer"]["events"][0]["event"], "disappeared");
    EXPECT_EQ(report["observer"]["events"][0]["vector"], "msix:1");
    EXPECT_EQ(report["totals"]["balanced"], true);

    const auto record = observeIntervalJson(*final, o.startNs());
    EXPECT_EQ(record["type"], "interval");
    EXPECT_EQ(record["observed"], true);
    EXPECT_EQ(record["vectors"][0]["interval_latency_ns"]["count"], 0);
}

TEST(ObserveObserver, StopIsPromptAndIdempotent)
{
    ObserverProc p;
    p.interrupts(twoVectors(1, 1));
    ObserverConfig config;
    config.bdf = "0000:00:02.0";
    config.procRoot = p.root();
    config.interval = 10min; // a stop that waited for the next sample would take this long
    Observer o(config);
    o.start();
    const auto before = std::chrono::steady_clock::now();
    o.stop();
    o.stop();
    // Not a whole interval: judged against the interval, not against how fast this machine joins a thread.
    EXPECT_LT(std::chrono::steady_clock::now() - before, kGenerousTimeout);
    EXPECT_EQ(o.samples(), 1u);
}

TEST(ObserveReport, AGoneVectorsMeanRateCoversOnlyTheTimeItsCountCovers)
{
    // Present from the start (t = 1 s) to its last sample at 2 s; gone at the 2.5 s sample. What it took between
    // 2 s and going away is not in /proc any more, so the mean is 100 interrupts over 1 s, not over 1.5 s.
    VectorSnapshot v;
    v.id = {IrqIndex::Msix, 3};
    ObservedVector& o = v.observed.emplace();
    o.hostCount = 100;
    o.lastSeenNs = 2'000'000'000;
    o.disappearedNs = 2'500'000'000;
    const auto j = observedVectorJson(v, 1'000'000'000, 4'000'000'000);
    EXPECT_EQ(j["present"], false);
    EXPECT_DOUBLE_EQ(j["mean_rate_hz"].get<double>(), 100.0);
    EXPECT_DOUBLE_EQ(j["last_seen_s"].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(j["disappeared_s"].get<double>(), 1.5);
}

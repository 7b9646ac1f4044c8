// Delivery latency (docs/dma-triggers.md §6): the pairing rule that decides whether a completion gets the poller's
// "visible in memory" stamp (never the wrong command's, never one outside trigger..completion), the seqlock the
// stamp is published through, the poller's CPU choice, one scan of the poller against a scripted trigger, and
// runs on the simulated NVMe and xHCI: every delivery at most its round trip, the device's time between trigger
// and visibility, the counts balancing (stamped + unstamped = latency samples), a run without a second CPU going
// on without delivery. Lower bounds only: no test assumes how fast the machine is.
#include "device/nvme_trigger.h"
#include "engine/completion_poller.h"
#include "engine/cpu_setup.h"
#include "engine/delivery_stamps.h"
#include "engine/trigger_books.h"
#include "record/recording_format.h"
#include "report/csv_report.h"
#include "report/html_report.h"
#include "report/json_report.h"
#include "report/report_charts.h"
#include "report/report_collector.h"
#include "report/report_input.h"
#include "report/report_tables.h"
#include "run/live_run.h"
#include "sim/sim_device.h"

#include "wait_until.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <sched.h>
#include <unistd.h>
#include <vector>

using namespace irqscope::core;
using irqscope::test::waitUntil;

namespace {

constexpr int64_t kDlvDeviceNs = 2'000'000;   // doorbell -> completion in memory
constexpr int64_t kDlvDeliveryNs = 3'000'000; // completion in memory -> its MSI-X message

SimConfig deliverySim(SimModel model)
{
    SimConfig c;
    c.model = model;
    c.msixVectors = model == SimModel::Xhci ? 16 : 8;
    c.deviceLatency = {LatencyDistribution::Kind::Fixed, double(kDlvDeviceNs), 0};
    c.interruptLatency = {LatencyDistribution::Kind::Fixed, double(kDlvDeliveryNs), 0};
    return c;
}

OpenedDevice openDeliverySim(SimModel model)
{
    DeviceRequest request;
    request.sim = deliverySim(model);
    return openDevice(request);
}

// A command trigger whose completions are in memory whenever the test says so, with tokens it sets.
class ScriptedTrigger final : public CommandTrigger
{
public:
    const std::string& name() const override { return m_name; }
    bool canRaise(VectorId id) const override { return id.index == IrqIndex::Msix && id.sub < 4; }
    std::string prepare() override { return {}; }
    std::string setUp(uint32_t) override { return {}; }
    void tearDown(uint32_t) override {}
    int submit(uint32_t) override { return 0; }
    uint32_t reap(uint32_t) override { return 0; }
    void shutdown() override {}
    uint64_t vectorZeroMessages() const override { return 0; }
    uint64_t nextCompletion(uint32_t sub) const override { return tokens[sub]; }
    bool completionVisible(uint32_t sub, uint64_t token) const override
    {
        ++looks;
        return visible[sub] && token == tokens[sub];
    }

    uint64_t tokens[4] = {};
    bool visible[4] = {};
    mutable uint64_t looks = 0;

private:
    std::string m_name = "scripted";
};

// Wraps a real trigger but never reports a completion visible: every completion goes unstamped.
class BlindTrigger final : public CommandTrigger
{
public:
    explicit BlindTrigger(std::unique_ptr<CommandTrigger> inner)
        : m_inner(std::move(inner))
    {}
    const std::string& name() const override { return m_inner->name(); }
    bool canRaise(VectorId id) const override { return m_inner->canRaise(id); }
    std::string prepare() override { return m_inner->prepare(); }
    std::string setUp(uint32_t sub) override { return m_inner->setUp(sub); }
    void tearDown(uint32_t sub) override { m_inner->tearDown(sub); }
    int submit(uint32_t sub) override { return m_inner->submit(sub); }
    uint32_t reap(uint32_t sub) override { return m_inner->reap(sub); }
    void shutdown() override { m_inner->shutdown(); }
    uint64_t vectorZeroMessages() const override { return m_inner->vectorZeroMessages(); }
    uint64_t nextCompletion(uint32_t sub) const override { return m_inner->nextCompletion(sub); }
    bool completionVisible(uint32_t, uint64_t) const override { return false; }

private:
    std::unique_ptr<CommandTrigger> m_inner;
};

struct DeliveryRun
{
    std::shared_ptr<const Snapshot> final;
    EngineStatus status;
    std::vector<Sample> samples;
    uint32_t slotCount = 0;
};

// A device-raised run of `spec` until every vector in it completed `completions` triggers and (when
// `waitForStamp`) got a delivery stamp; its samples as the aggregator drained them.
DeliveryRun runDelivery(OpenedDevice& opened, const char* spec, uint32_t completions, bool waitForStamp)
{
    DeliveryRun out;
    LiveRunConfig config;
    config.engine.triggerMode = TriggerMode::Device;
    config.engine.rateHz = 200;
    config.engine.deadline = std::chrono::seconds(10); // the test is about the pairing, not about speed
    LiveRun run(opened, config);
    std::string parseError;
    auto ranges = *parseVectorSpec(spec, parseError);
    EXPECT_EQ(run.resolve(ranges), "");
    EXPECT_FALSE(run.startEngine());
    EXPECT_EQ(run.arm(ranges), "");
    EXPECT_EQ(run.startTriggering(ranges), "");
    std::mutex mutex;
    std::map<uint32_t, uint64_t> stamped;
    run.startAggregator({}, [&](Aggregator& aggregator) {
        aggregator.setSampleSink([&](const Sample* s, std::size_t n) {
            std::lock_guard lock(mutex);
            for (std::size_t i = 0; i < n; ++i) {
                out.samples.push_back(s[i]);
                if (s[i].kind == SampleKind::Completion && s[i].visibleNs > 0)
                    ++stamped[s[i].slot];
            }
        });
    });
    const auto& slots = run.engine().slots();
    out.slotCount = slots.size();
    EXPECT_TRUE(waitUntil([&] {
        for (const auto& r : ranges)
            for (uint32_t sub = r.start; sub < r.start + r.count; ++sub) {
                const uint32_t slot = slots.slot({IrqIndex::Msix, sub});
                if (run.engine().counters(slot).read().completed < completions)
                    return false;
                std::lock_guard lock(mutex);
                if (waitForStamp && stamped[slot] == 0)
                    return false;
            }
        return true;
    }));
    const LiveRunEnd end = run.stop();
    out.final = end.final;
    out.status = end.status;
    return out;
}

// Every completion sample of a watched vector: flagged, and when stamped, trigger + device time <= visible <=
// completion, so delivery <= round trip - device time.
void expectDeliveryWithinRoundTrip(const DeliveryRun& r)
{
    uint64_t stampedSamples = 0;
    for (const Sample& s : r.samples) {
        if (s.kind != SampleKind::Completion)
            continue;
        EXPECT_TRUE(s.deliveryTracked()) << "slot " << s.slot << " seq " << s.seq;
        if (s.visibleNs == 0)
            continue;
        ++stampedSamples;
        EXPECT_GE(s.deliveryNs(), 0) << "seq " << s.seq;
        EXPECT_LE(s.deliveryNs(), s.latencyNs()) << "seq " << s.seq;
        // The poller cannot see the entry before the model wrote it, deviceLatency after the doorbell.
        EXPECT_GE(s.latencyNs() - s.deliveryNs(), kDlvDeviceNs) << "seq " << s.seq;
    }
    EXPECT_GT(stampedSamples, 0u);
}

} // namespace

TEST(DeliveryPairing, AStampCountsOnlyForItsOwnCompletionBetweenTriggerAndCompletion)
{
    // trigger 100, completion 500
    EXPECT_EQ(pairVisibleStamp(7, 7, 300, 100, 500), 300) << "its own, in range";
    EXPECT_EQ(pairVisibleStamp(7, 7, 100, 100, 500), 100) << "bounds are inclusive";
    EXPECT_EQ(pairVisibleStamp(7, 7, 500, 100, 500), 500);
    EXPECT_EQ(pairVisibleStamp(7, 0, 0, 100, 500), 0) << "missing: the poller has not seen it yet";
    EXPECT_EQ(pairVisibleStamp(7, 6, 300, 100, 500), 0) << "the previous command's token";
    EXPECT_EQ(pairVisibleStamp(7, 7, 90, 100, 500), 0) << "stale: seen before this trigger (a lap-old token)";
    EXPECT_EQ(pairVisibleStamp(7, 7, 501, 100, 500), 0) << "seen after the eventfd completion was stamped";
    EXPECT_EQ(pairVisibleStamp(0, 0, 300, 100, 500), 0) << "no queue: no token";
}

TEST(DeliveryPairing, BooksFlagTrackedCompletionsAndKeepOnlyAValidStamp)
{
    SpscRing<Sample> ring(64);
    TriggerBooks books(1, ring);
    books.recordTrigger(0, 1'000, false);
    books.resolveCompletion(0, 1, 5'000, DeliveryMark{true, 42, 42, 3'000});
    books.recordTrigger(0, 6'000, false);
    books.resolveCompletion(0, 1, 9'000, DeliveryMark{true, 43, 42, 3'000}); // the previous command's stamp
    books.recordTrigger(0, 10'000, false);
    books.resolveCompletion(0, 1, 12'000); // not watched
    Sample s[3];
    ASSERT_EQ(ring.popBatch(s, 3), 3u);
    EXPECT_TRUE(s[0].deliveryTracked());
    EXPECT_EQ(s[0].visibleNs, 3'000);
    EXPECT_EQ(s[0].deliveryNs(), 2'000);
    EXPECT_TRUE(s[1].deliveryTracked());
    EXPECT_EQ(s[1].visibleNs, 0) << "never given another command's stamp";
    EXPECT_EQ(s[1].deliveryNs(), 0);
    EXPECT_FALSE(s[2].deliveryTracked());
}

TEST(DeliveryStampsSeqlock, ReadGivesThePublishedPairOrNothing)
{
    DeliveryStamps stamps(2);
    EXPECT_EQ(stamps.read(0).token, 0u);
    stamps.publish(1, 99, 1234);
    EXPECT_EQ(stamps.read(1).token, 99u);
    EXPECT_EQ(stamps.read(1).visibleNs, 1234);
    EXPECT_EQ(stamps.read(0).token, 0u) << "slots are separate";
    stamps.publish(1, 100, 5678);
    EXPECT_EQ(stamps.read(1).token, 100u);
    EXPECT_EQ(stamps.read(1).visibleNs, 5678);
}

TEST(DeliveryPollerCpu, AnotherAllowedCpuOrAOneLineReason)
{
    std::string why;
    EXPECT_EQ(choosePollerCpu(-1, 0, -1, {0, 1, 2}, why), 1);
    EXPECT_EQ(choosePollerCpu(-1, 1, 2, {0, 1, 2}, why), 0);
    EXPECT_EQ(choosePollerCpu(-1, 0, 1, {0, 1}, why), 1) << "the trigger thread's CPU rather than none";
    EXPECT_EQ(choosePollerCpu(3, 0, -1, {0, 1, 2, 3}, why), 3);
    EXPECT_FALSE(choosePollerCpu(-1, 2, -1, {2}, why));
    EXPECT_NE(why.find("delivery latency needs a second CPU"), std::string::npos) << why;
    EXPECT_EQ(why.find('\n'), std::string::npos);
    why.clear();
    EXPECT_FALSE(choosePollerCpu(0, 0, -1, {0, 1}, why));
    EXPECT_NE(why.find("core thread's CPU"), std::string::npos) << why;
    why.clear();
    EXPECT_FALSE(choosePollerCpu(5, 0, -1, {0, 1}, why));
    EXPECT_NE(why.find("not in this process's allowed CPUs"), std::string::npos) << why;
}

TEST(DeliveryPoller, StampsEachCompletionOnceUnderItsToken)
{
    ScriptedTrigger trigger;
    DeliveryStamps stamps(4);
    CompletionPoller poller(trigger, stamps, {{0, 0}, {2, 1}});
    EXPECT_EQ(poller.scanOnce(), 0u) << "no queue: token 0, nothing looked at";
    EXPECT_EQ(trigger.looks, 0u);
    trigger.tokens[0] = 10;
    trigger.tokens[1] = 20;
    EXPECT_EQ(poller.scanOnce(), 0u) << "nothing in memory yet";
    trigger.visible[1] = true;
    const int64_t before = monotonicNs();
    EXPECT_EQ(poller.scanOnce(), 1u);
    EXPECT_EQ(stamps.read(2).token, 20u) << "published under the watched slot";
    EXPECT_GE(stamps.read(2).visibleNs, before);
    const int64_t first = stamps.read(2).visibleNs;
    EXPECT_EQ(poller.scanOnce(), 0u) << "the same completion is stamped once";
    EXPECT_EQ(stamps.read(2).visibleNs, first);
    trigger.tokens[1] = 21; // reaped: the next completion, not yet visible under its token
    trigger.visible[1] = false;
    EXPECT_EQ(poller.scanOnce(), 0u);
    EXPECT_EQ(stamps.read(2).token, 20u) << "the old stamp stays, under its own token";
    trigger.visible[1] = true;
    EXPECT_EQ(poller.scanOnce(), 1u);
    EXPECT_EQ(stamps.read(2).token, 21u);
    EXPECT_EQ(poller.stampsPublished(), 2u);
}

TEST(DeliverySampleRecord, VersionTwoCarriesTheStampAndVersionOneReadsWithout)
{
    Sample s;
    s.slot = 3;
    s.kind = SampleKind::Completion;
    s.flags = sampleflag::kDeliveryTracked;
    s.value = 1;
    s.triggerNs = 100;
    s.completionNs = 900;
    s.seq = 7;
    s.visibleNs = 400;
    uint8_t bytes[kSampleRecordSize];
    encodeSample(s, bytes);
    const Sample back = decodeSample(bytes, 2);
    EXPECT_EQ(back.flags, s.flags);
    EXPECT_EQ(back.visibleNs, 400);
    EXPECT_EQ(back.deliveryNs(), 500);
    EXPECT_EQ(back.seq, 7u);
    const Sample old = decodeSample(bytes, 1); // the first 40 bytes are version 1's record
    EXPECT_EQ(old.latencyNs(), 800);
    EXPECT_FALSE(old.deliveryTracked());
    EXPECT_EQ(old.visibleNs, 0);
    EXPECT_EQ(sampleRecordSize(1), 40u);
    EXPECT_EQ(sampleRecordSize(2), 48u);
}

TEST(DeliveryRunSim, NvmeVectorsReportDeliveryWithinTheirRoundTrip)
{
    if (allowedCpus().size() < 2)
        GTEST_SKIP() << "the delivery poller needs a second allowed CPU";
    OpenedDevice opened = openDeliverySim(SimModel::Nvme);
    ASSERT_TRUE(opened.device && opened.commandTrigger) << opened.error;
    const DeliveryRun r = runDelivery(opened, "msix:0-3", 10, true);
    ASSERT_TRUE(r.final);
    EXPECT_GE(r.status.pollerCpu, 0);
    EXPECT_NE(r.status.pollerCpu, r.status.coreCpu);
    EXPECT_EQ(r.status.deliveryNote, "");
    expectDeliveryWithinRoundTrip(r);
    uint32_t watched = 0;
    for (const auto& v : r.final->vectors) {
        if (v.id.index != IrqIndex::Msix || v.id.sub >= 4)
            continue;
        ++watched;
        EXPECT_TRUE(v.deliveryTracked) << v.name;
        EXPECT_EQ(v.counters.triggered,
                  v.counters.completed + v.counters.coalesced + v.counters.missed + v.counters.inFlight)
            << v.name;
        // Every round trip is either stamped or counted unstamped.
        EXPECT_EQ(v.delivery.count + v.deliveryUnstamped, v.latency.count) << v.name;
        EXPECT_GT(v.delivery.count, 0u) << v.name;
        EXPECT_LE(v.delivery.maxNs, v.latency.maxNs - kDlvDeviceNs) << v.name;
        const auto json = vectorJson(v, r.final->elapsedSec);
        ASSERT_TRUE(json.contains("delivery_latency_ns")) << v.name;
        EXPECT_EQ(json["delivery_latency_ns"]["count"], v.delivery.count);
        EXPECT_EQ(json["delivery_unstamped"], v.deliveryUnstamped);
    }
    EXPECT_EQ(watched, 4u);
}

TEST(DeliveryRunSim, XhciVectorZeroReportsDeliveryWithinItsRoundTrip)
{
    if (allowedCpus().size() < 2)
        GTEST_SKIP() << "the delivery poller needs a second allowed CPU";
    OpenedDevice opened = openDeliverySim(SimModel::Xhci);
    ASSERT_TRUE(opened.device && opened.commandTrigger) << opened.error;
    const DeliveryRun r = runDelivery(opened, "msix:0", 20, true);
    ASSERT_TRUE(r.final);
    expectDeliveryWithinRoundTrip(r);
    bool seen = false;
    for (const auto& v : r.final->vectors) {
        if (v.id != VectorId{IrqIndex::Msix, 0})
            continue;
        seen = true;
        EXPECT_TRUE(v.deliveryTracked);
        EXPECT_EQ(v.delivery.count + v.deliveryUnstamped, v.latency.count);
        EXPECT_GT(v.delivery.count, 0u);
    }
    EXPECT_TRUE(seen);
}

TEST(DeliveryRunSim, CompletionsThePollerNeverSawAreCountedUnstamped)
{
    if (allowedCpus().size() < 2)
        GTEST_SKIP() << "the delivery poller needs a second allowed CPU";
    OpenedDevice opened = openDeliverySim(SimModel::Nvme);
    ASSERT_TRUE(opened.device && opened.commandTrigger) << opened.error;
    opened.commandTrigger = std::make_unique<BlindTrigger>(std::move(opened.commandTrigger));
    const DeliveryRun r = runDelivery(opened, "msix:1", 10, false);
    ASSERT_TRUE(r.final);
    for (const Sample& s : r.samples)
        if (s.kind == SampleKind::Completion) {
            EXPECT_TRUE(s.deliveryTracked());
            EXPECT_EQ(s.visibleNs, 0) << "never fabricated";
        }
    for (const auto& v : r.final->vectors) {
        if (v.id != VectorId{IrqIndex::Msix, 1})
            continue;
        EXPECT_TRUE(v.deliveryTracked);
        EXPECT_EQ(v.delivery.count, 0u);
        EXPECT_GE(v.deliveryUnstamped, 10u);
        EXPECT_EQ(v.deliveryUnstamped, v.latency.count);
    }
}

TEST(DeliveryRunSim, OneAllowedCpuRunsWithoutDeliveryAndSaysWhy)
{
    cpu_set_t saved;
    ASSERT_EQ(sched_getaffinity(0, sizeof saved, &saved), 0);
    const auto allowed = allowedCpus();
    ASSERT_FALSE(allowed.empty());
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(allowed.front(), &one);
    ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
    OpenedDevice opened = openDeliverySim(SimModel::Nvme);
    ASSERT_TRUE(opened.device && opened.commandTrigger) << opened.error;
    const DeliveryRun r = runDelivery(opened, "msix:0", 5, false);
    ASSERT_EQ(sched_setaffinity(0, sizeof saved, &saved), 0);
    ASSERT_TRUE(r.final);
    EXPECT_EQ(r.status.pollerCpu, -1);
    EXPECT_NE(r.status.deliveryNote.find("delivery latency needs a second CPU"), std::string::npos)
        << r.status.deliveryNote;
    for (const Sample& s : r.samples)
        EXPECT_FALSE(s.deliveryTracked());
    for (const auto& v : r.final->vectors) {
        EXPECT_FALSE(v.deliveryTracked) << v.name;
        EXPECT_FALSE(vectorJson(v, r.final->elapsedSec).contains("delivery_latency_ns")) << v.name;
        if (v.id == VectorId{IrqIndex::Msix, 0}) {
            EXPECT_TRUE(v.counters.completed >= 5 && v.counters.missed == 0) << "the run itself goes on";
        }
    }
}

TEST(DeliveryRunSim, LoopbackRunsOfACommandTriggerDeviceHaveNoPoller)
{
    OpenedDevice opened = openDeliverySim(SimModel::Nvme);
    ASSERT_TRUE(opened.device) << opened.error;
    LiveRunConfig config;
    config.engine.triggerMode = TriggerMode::Loopback;
    config.engine.rateHz = 500;
    LiveRun run(opened, config);
    std::string parseError;
    auto ranges = *parseVectorSpec("msix:0", parseError);
    ASSERT_EQ(run.resolve(ranges), "");
    ASSERT_FALSE(run.startEngine());
    ASSERT_EQ(run.arm(ranges), "");
    ASSERT_EQ(run.startTriggering(ranges), "");
    run.startAggregator();
    ASSERT_TRUE(waitUntil([&] {
        return run.engine().counters(run.engine().slots().slot({IrqIndex::Msix, 0})).read().completed >= 10;
    }));
    const LiveRunEnd end = run.stop();
    EXPECT_EQ(end.status.pollerCpu, -1);
    EXPECT_EQ(end.status.deliveryNote, "");
    for (const auto& v : end.final->vectors)
        EXPECT_FALSE(v.deliveryTracked) << v.name;
}

TEST(DeliveryReports, CollectorSummaryTablesHtmlAndCsvCarryTheDelivery)
{
    auto collector = std::make_shared<ReportCollector>(2, CollectorConfig{});
    for (int i = 0; i < 4; ++i) {
        Sample s;
        s.slot = 0;
        s.kind = SampleKind::Completion;
        s.flags = sampleflag::kDeliveryTracked;
        s.triggerNs = 1'000'000 * (i + 1);
        s.completionNs = s.triggerNs + 50'000;
        s.visibleNs = i == 3 ? 0 : s.completionNs - 20'000; // the last one unstamped
        s.seq = i;
        collector->add(s);
        Sample plain = s; // slot 1: no poller
        plain.slot = 1;
        plain.flags = 0;
        plain.visibleNs = 0;
        collector->add(plain);
    }
    ReportInput input;
    input.snapshot.engine.pollerCpu = 1;
    for (uint32_t slot = 0; slot < 2; ++slot) {
        auto& v = input.snapshot.vectors.emplace_back();
        v.slot = slot;
        v.id = {IrqIndex::Msix, slot};
        v.name = vectorName(v.id);
        v.counters.triggered = v.counters.completed = 4;
    }
    applyCollector(input.snapshot, *collector);
    input.collector = collector;
    const auto& v0 = input.snapshot.vectors[0];
    EXPECT_TRUE(v0.deliveryTracked);
    EXPECT_EQ(v0.delivery.count, 3u);
    EXPECT_EQ(v0.deliveryUnstamped, 1u);
    EXPECT_EQ(v0.delivery.maxNs, 20'000);
    EXPECT_EQ(v0.latency.count, 4u);
    EXPECT_FALSE(input.snapshot.vectors[1].deliveryTracked);

    const TextTable table = deliveryTable(input);
    ASSERT_EQ(table.rows.size(), 1u) << "only the watched vector";
    EXPECT_EQ(table.rows[0][0], "msix:0");
    EXPECT_EQ(table.rows[0][3], "3");
    EXPECT_EQ(table.rows[0][4], "1");
    const std::string html = htmlReport(input);
    EXPECT_NE(html.find("Round trip and interrupt delivery"), std::string::npos);
    EXPECT_NE(html.find("poller on CPU 1"), std::string::npos);
    const std::string csv = csvSummary(input);
    EXPECT_NE(csv.find(",3,1,20000,20000.0,"), std::string::npos) << csv;
    const auto json = reportJson(input);
    EXPECT_EQ(json["vectors"][0]["delivery_histogram_ns"].size(), 1u);
    EXPECT_FALSE(json["vectors"][1].contains("delivery_histogram_ns"));

    input.snapshot.engine.pollerCpu = -1;
    input.snapshot.engine.deliveryNote = "delivery latency needs a second CPU for its poller: only CPU 0 is allowed";
    EXPECT_NE(htmlReport(input).find("No delivery latency: delivery latency needs a second CPU"), std::string::npos);
}

TEST(DeliveryReports, RoundTripBesideTheDeliveryIsOverTheSameStampedCompletions)
{
    // Under load the poller misses mostly the fast round trips (seen in the loaded TCG guests): 3 slow completions
    // stamped, 10 fast ones not. Over all completions the round trip p50 is then below the delivery p50; over the
    // stamped ones it is above it, as it is sample by sample.
    auto collector = std::make_shared<ReportCollector>(1, CollectorConfig{});
    for (int i = 0; i < 13; ++i) {
        Sample s;
        s.slot = 0;
        s.kind = SampleKind::Completion;
        s.flags = sampleflag::kDeliveryTracked;
        s.triggerNs = 100'000'000LL * (i + 1);
        const bool stamped = i < 3;
        s.completionNs = s.triggerNs + (stamped ? 10'000'000 : 500'000);
        s.visibleNs = stamped ? s.completionNs - 8'000'000 : 0;
        s.seq = i;
        collector->add(s);
    }
    ReportInput input;
    input.snapshot.engine.pollerCpu = 1;
    auto& added = input.snapshot.vectors.emplace_back();
    added.slot = 0;
    added.id = {IrqIndex::Msix, 0};
    added.name = vectorName(added.id);
    added.counters.triggered = added.counters.completed = 13;
    applyCollector(input.snapshot, *collector);
    input.collector = collector;
    const auto& v = input.snapshot.vectors[0];
    ASSERT_EQ(v.delivery.count, 3u);
    EXPECT_EQ(v.deliveryUnstamped, 10u);
    EXPECT_LT(v.latency.p50Ns, v.delivery.p50Ns) << "the comparison this test is about";
    ASSERT_EQ(v.deliveryRoundTrip.count, 3u);
    EXPECT_GT(v.deliveryRoundTrip.p50Ns, v.delivery.p50Ns);
    EXPECT_GE(v.deliveryRoundTrip.minNs, v.delivery.maxNs);

    const TextTable table = deliveryTable(input);
    ASSERT_EQ(table.rows.size(), 1u);
    EXPECT_EQ(table.rows[0][1], formatLatency(v.deliveryRoundTrip.p50Ns));
    EXPECT_NE(table.rows[0][1], formatLatency(v.latency.p50Ns));
    const auto json = reportJson(input);
    ASSERT_TRUE(json["vectors"][0].contains("delivery_round_trip_ns"));
    EXPECT_EQ(json["vectors"][0]["delivery_round_trip_ns"]["count"].get<uint64_t>(), 3u);
    EXPECT_GT(json["vectors"][0]["delivery_round_trip_ns"]["p50"].get<int64_t>(),
              json["vectors"][0]["delivery_latency_ns"]["p50"].get<int64_t>());
}

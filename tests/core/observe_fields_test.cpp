// Measured and observed fields kept apart: the observer's snapshot leaves the engine's counters at zero and puts
// the host's numbers in VectorSnapshot::observed, and every reader shows the observed numbers where observer mode
// shows them (the table, the JSON report's observer keys and v1 keys, the metrics). The readers are fed a snapshot
// whose measured fields hold decoys, so one that reads a measured field where it should read an observed one (or
// the other way round) shows the decoy and fails.
#include "engine/vector_counters.h"
#include "metrics/prometheus_text.h"
#include "observe/observe_report.h"
#include "observe/observe_table.h"
#include "observe/observed_columns.h"
#include "observe/observer_model.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace irqscope::core;

namespace {

constexpr int64_t kSecondNs = 1'000'000'000;

ObservedIrq observedMsix(uint32_t sub, int irq, std::vector<uint64_t> perCpu)
{
    ObservedIrq o;
    o.irq.irq = irq;
    o.irq.action = {{IrqIndex::Msix, sub}, "0000:00:02.0"};
    o.irq.perCpu = std::move(perCpu);
    o.irq.effectiveCpu = 1;
    return o;
}

// msix:0 present (500 interrupts in 0.5 s: 1000/s), msix:1 gone (4 counted before it went).
Snapshot observerSnapshot()
{
    ObserverModel m;
    m.update({10 * kSecondNs, {0, 1}, {observedMsix(0, 24, {0, 1000}), observedMsix(1, 25, {0, 3})}, {}});
    m.update(
        {10 * kSecondNs + kSecondNs / 2, {0, 1}, {observedMsix(0, 24, {0, 1500}), observedMsix(1, 25, {0, 7})}, {}});
    m.update({11 * kSecondNs, {0, 1}, {observedMsix(0, 24, {0, 2000})}, {}});
    return m.snapshot(3, "0000:00:02.0", 0);
}

// The same snapshot with decoys in every measured field a confused reader could take for an observed one.
Snapshot withMeasuredDecoys(Snapshot s)
{
    for (auto& v : s.vectors) {
        v.counters.deviceOriginated = 7;
        v.counters.state = v.observed->present ? 0 : vstate::kArmed; // the opposite of presence
        v.completionRateHz = 3;
        v.hostCount = 13;
    }
    return s;
}

double metric(const std::string& text, const std::string& series)
{
    const auto at = text.find("\n" + series + " ");
    return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 2));
}

} // namespace

TEST(ObserveFields, ObserverSnapshotsMeasureNothingAndCarryTheHostNumbersApart)
{
    const Snapshot s = observerSnapshot();
    ASSERT_TRUE(s.observed);
    ASSERT_EQ(s.vectors.size(), 2u);
    for (const auto& v : s.vectors) {
        SCOPED_TRACE(v.name);
        ASSERT_TRUE(v.observed.has_value());
        EXPECT_EQ(v.counters.deviceOriginated, 0u);
        EXPECT_EQ(v.counters.state, 0u); // nothing armed by irqscope, present or not
        EXPECT_EQ(v.completions(), 0u);
        EXPECT_EQ(v.completionRateHz, 0.0);
        EXPECT_EQ(v.hostCount, 0u); // the tracker's count since arming: there was no arming
        EXPECT_EQ(v.hostCompletionGap(), 0);
    }
    EXPECT_TRUE(s.vectors[0].observed->present);
    EXPECT_EQ(s.vectors[0].observed->hostCount, 1000u);
    EXPECT_DOUBLE_EQ(s.vectors[0].observed->hostRateHz, 1000.0);
    EXPECT_FALSE(s.vectors[1].observed->present);
    EXPECT_EQ(s.vectors[1].observed->hostCount, 4u);
    EXPECT_EQ(s.vectors[1].hostIrq, 25); // the host IRQ and CPU mean the same in both modes
}

TEST(ObserveFields, TheTableShowsTheObservedNumbers)
{
    ObserveTableHeader header;
    header.device = "0000:00:02.0";
    const std::string table = renderObserveTable(withMeasuredDecoys(observerSnapshot()), header, 10, false);
    EXPECT_NE(table.find("msix:0    active"), std::string::npos) << table;
    EXPECT_NE(table.find("msix:1    gone"), std::string::npos) << table;
    EXPECT_NE(table.find(" 1000      1000 "), std::string::npos) << table; // COUNT, RATE/s
    EXPECT_NE(table.find("cpu1:1000"), std::string::npos) << table;
}

TEST(ObserveFields, TheJsonReportShowsTheObservedNumbersInItsObserverAndV1Keys)
{
    const Snapshot s = withMeasuredDecoys(observerSnapshot());
    ObserveDescription d;
    d.startNs = 10 * kSecondNs;
    const auto report = observeReportJson(s, RunDescription{}, SystemInfo{}, d, {});
    const auto& present = report["vectors"][0];
    EXPECT_EQ(present["present"], true);
    EXPECT_EQ(present["count"], 1000);
    EXPECT_DOUBLE_EQ(present["rate_hz"].get<double>(), 1000.0);
    // The v1 keys, as docs/observer.md documents them for observer reports.
    EXPECT_EQ(present["device_originated"], 1000);
    EXPECT_EQ(present["host_count"], 1000);
    EXPECT_EQ(present["host_completion_gap"], 0);
    EXPECT_DOUBLE_EQ(present["completion_rate_hz"].get<double>(), 1000.0);
    EXPECT_EQ(present["state"], nlohmann::json::array({"armed"}));
    const auto& gone = report["vectors"][1];
    EXPECT_EQ(gone["present"], false);
    EXPECT_EQ(gone["count"], 4);
    EXPECT_EQ(gone["device_originated"], 4);
    EXPECT_EQ(gone["state"], nlohmann::json::array({"disarmed"}));
    // The engine measured nothing: no completion or trigger claimed.
    EXPECT_EQ(present["completed"], 0);
    EXPECT_EQ(present["triggered"], 0);
    EXPECT_EQ(present["latency_ns"]["count"], 0);
    EXPECT_EQ(report["totals"]["completed"], 0);

    const auto record = observeIntervalJson(s, d.startNs);
    EXPECT_EQ(record["vectors"][0]["count"], 1000);
    EXPECT_EQ(record["vectors"][0]["device_originated"], 1000);
    EXPECT_EQ(record["vectors"][1]["state"], nlohmann::json::array({"disarmed"}));
}

TEST(ObserveFields, TheMetricsServeTheObservedNumbersOnlyForObserverSnapshots)
{
    const std::string v0 = R"({device="0000:00:02.0",index="msix",subindex="0"})";
    const std::string v1 = R"({device="0000:00:02.0",index="msix",subindex="1"})";
    const ExpositionInfo info{"test", "observe", "0000:00:02.0"};
    Snapshot observed = withMeasuredDecoys(observerSnapshot());
    std::string text = prometheusText(&observed, info);
    EXPECT_EQ(metric(text, "irqscope_device_originated_total" + v0), 1000);
    EXPECT_EQ(metric(text, "irqscope_completed_total" + v0), 0);
    EXPECT_EQ(metric(text, "irqscope_vector_armed" + v0), 1);
    EXPECT_EQ(metric(text, "irqscope_device_originated_total" + v1), 4);
    EXPECT_EQ(metric(text, "irqscope_vector_armed" + v1), 0);

    // An active snapshot (no observed fields) shows what the engine measured.
    Snapshot active = withMeasuredDecoys(observerSnapshot());
    active.observed = false;
    for (auto& v : active.vectors)
        v.observed.reset();
    text = prometheusText(&active, info);
    EXPECT_EQ(metric(text, "irqscope_device_originated_total" + v0), 7);
    EXPECT_EQ(metric(text, "irqscope_vector_armed" + v1), 1);
}

TEST(ObserveFields, TheActiveColumnsViewIsACopyAndIdempotent)
{
    const Snapshot s = observerSnapshot();
    const Snapshot view = observedInActiveColumns(s);
    EXPECT_EQ(view.vectors[0].counters.deviceOriginated, 1000u);
    EXPECT_EQ(view.vectors[0].counters.state, vstate::kArmed);
    EXPECT_EQ(view.vectors[0].hostCompletionGap(), 0);
    EXPECT_EQ(s.vectors[0].counters.deviceOriginated, 0u); // the published snapshot is untouched
    const Snapshot twice = observedInActiveColumns(view);
    EXPECT_EQ(twice.vectors[0].counters.deviceOriginated, 1000u);
    EXPECT_EQ(twice.vectors[1].hostCount, 4u);
}

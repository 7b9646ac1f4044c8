// Reports parse back: the JSON report (schema keys, tuning), the CSV summary and per-sample CSV against the JSON
// report and the recording, the HTML report (self-contained, charts drawn) and the PDF (pages).
#include "report_cli_fixture.h"

#include "report/cyclictest_output.h"
#include "report/html_report.h"
#include "report/report_charts.h"
#include "report/svg_canvas.h"

#include <nlohmann/json.hpp>

#include <regex>

using namespace report_test;

namespace {

std::vector<std::string> splitCsv(const std::string& line)
{
    std::vector<std::string> out;
    std::string cell;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                cell += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cell += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.push_back(cell);
            cell.clear();
        } else {
            cell += c;
        }
    }
    out.push_back(cell);
    return out;
}

std::size_t count(const std::string& text, const std::string& what)
{
    std::size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1))
        ++n;
    return n;
}

} // namespace

TEST(ReportJson, SchemaV1WithTuningAndHistograms)
{
    const auto j = nlohmann::json::parse(readFile(liveRun() / "live.json"));
    EXPECT_EQ(j["schema"], "irqscope.report");
    EXPECT_EQ(j["schema_version"], 1);
    for (const char* k : {"sysname", "kernel_version", "numa_node", "pm_qos_resume_latency_us", "cpuidle_governor",
                          "sched_rt_runtime_us", "controller_policy"})
        EXPECT_TRUE(j["system"]["tuning"].contains(k)) << k;
    EXPECT_TRUE(j["config"].contains("pm_qos"));
    EXPECT_TRUE(j["config"].contains("policy"));
    EXPECT_TRUE(j["run"].contains("started_at"));
    for (const auto& v : j["vectors"]) {
        uint64_t sum = 0;
        for (const auto& b : v["histogram_ns"])
            sum += b[1].get<uint64_t>();
        EXPECT_EQ(sum, v["latency_ns"]["count"].get<uint64_t>());
    }
    EXPECT_TRUE(j["totals"]["balanced"].get<bool>());
}

TEST(ReportCsv, SummaryMatchesTheJsonReport)
{
    const auto j = nlohmann::json::parse(readFile(liveRun() / "live.json"));
    const auto rows = lines(readFile(liveRun() / "live.csv"));
    ASSERT_EQ(rows.size(), j["vectors"].size() + 1);
    const auto header = splitCsv(rows[0]);
    const auto col = [&](const std::string& name) {
        const auto it = std::find(header.begin(), header.end(), name);
        EXPECT_NE(it, header.end()) << name;
        return static_cast<std::size_t>(it - header.begin());
    };
    for (std::size_t i = 0; i < j["vectors"].size(); ++i) {
        const auto cells = splitCsv(rows[i + 1]);
        ASSERT_EQ(cells.size(), header.size());
        const auto& v = j["vectors"][i];
        EXPECT_EQ(cells[col("vector")], v["name"].get<std::string>());
        EXPECT_EQ(std::stoull(cells[col("triggered")]), v["triggered"].get<uint64_t>());
        EXPECT_EQ(std::stoull(cells[col("missed")]), v["missed"].get<uint64_t>());
        EXPECT_EQ(std::stoull(cells[col("latency_count")]), v["latency_ns"]["count"].get<uint64_t>());
        EXPECT_EQ(std::stoll(cells[col("p99_ns")]), v["latency_ns"]["p99"].get<int64_t>());
        EXPECT_EQ(std::stoll(cells[col("max_ns")]), v["latency_ns"]["max"].get<int64_t>());
        EXPECT_EQ(cells[col("balanced")], "true");
    }
}

TEST(ReportCsv, SampleRowsMatchTheJsonReport)
{
    const auto j = nlohmann::json::parse(readFile(liveRun() / "live.json"));
    const auto rows = lines(readFile(liveRun() / "live.samples.csv"));
    ASSERT_GT(rows.size(), 1u);
    EXPECT_EQ(rows[0], "vector,kind,seq,trigger_ns,completion_ns,latency_ns,value,event,delivery_ns");
    std::map<std::string, uint64_t> completions, missed;
    std::map<std::string, long long> maxLatency;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        const auto c = splitCsv(rows[i]);
        ASSERT_EQ(c.size(), 9u) << rows[i];
        EXPECT_EQ(c[8], "") << "a loopback run has no delivery stamp: " << rows[i];
        if (c[1] == "completion" && std::stoll(c[5]) > 0) {
            ++completions[c[0]];
            maxLatency[c[0]] = std::max(maxLatency[c[0]], std::stoll(c[5]));
        } else if (c[1] == "missed") {
            ++missed[c[0]];
        }
    }
    for (const auto& v : j["vectors"]) {
        const std::string name = v["name"];
        EXPECT_EQ(completions[name], v["latency_ns"]["count"].get<uint64_t>()) << name;
        EXPECT_EQ(maxLatency[name], v["latency_ns"]["max"].get<long long>()) << name;
        EXPECT_EQ(missed[name], v["missed"].get<uint64_t>()) << name;
    }
}

TEST(ReportHtml, SelfContainedWithTableAndCharts)
{
    const auto j = nlohmann::json::parse(readFile(liveRun() / "live.json"));
    const auto html = readFile(liveRun() / "live.html");
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_EQ(count(html, "<svg "), 5u) << "histogram, percentiles, latency over time, rate over time, timeline";
    EXPECT_EQ(count(html, "http"), count(html, "xmlns=\"http://www.w3.org/2000/svg\"")) << "no network reference";
    EXPECT_EQ(count(html, "<script"), 0u);
    EXPECT_GE(count(html, "<polyline"), j["vectors"].size() * 4) << "one curve per vector per chart";
    for (const auto& v : j["vectors"])
        EXPECT_NE(html.find("<td>" + v["name"].get<std::string>() + "</td>"), std::string::npos);
    EXPECT_NE(html.find("kernel command line"), std::string::npos);
    EXPECT_NE(html.find("PM QoS"), std::string::npos);
    // Balanced tags in the SVG parts: every element is closed.
    EXPECT_EQ(count(html, "<svg "), count(html, "</svg>"));
    EXPECT_EQ(count(html, "<text "), count(html, "</text>"));
}

TEST(ReportPdf, HasPagesAndTheRunDate)
{
    const auto pdf = readFile(liveRun() / "live.pdf");
    ASSERT_GT(pdf.size(), 1000u);
    EXPECT_EQ(pdf.rfind("%PDF-", 0), 0u);
    EXPECT_NE(pdf.find("%%EOF"), std::string::npos);
    EXPECT_GE(count(pdf, "/Type /Page\n") + count(pdf, "/Type /Page "), 2u);
}

TEST(ReportCharts, EmptyInputDrawsWithoutSamples)
{
    irqscope::core::ReportInput input;
    input.snapshot.deviceId = "sim";
    input.snapshot.vectors.emplace_back().name = "msix:0";
    const auto html = irqscope::core::htmlReport(input);
    EXPECT_NE(html.find("no latency samples"), std::string::npos);
    EXPECT_EQ(irqscope::core::formatLatency(12'345), "12.35 µs");
    EXPECT_EQ(irqscope::core::formatLatency(999), "999 ns");
}

TEST(ReportCollector, CopyIsIndependentOfTheOriginal)
{
    using namespace irqscope::core;
    ReportCollector original(4, CollectorConfig{});
    Sample s;
    s.slot = 2;
    s.triggerNs = 1'000;
    s.completionNs = 6'000;
    original.add(s);
    const ReportCollector copy(original);
    original.add(s); // keeps collecting; the copy must not see it
    ASSERT_NE(copy.vector(2), nullptr);
    EXPECT_EQ(copy.vector(0), nullptr);
    EXPECT_EQ(copy.vector(2)->cycles, 1u);
    EXPECT_EQ(copy.vector(2)->log.count(), 1u);
    EXPECT_EQ(original.vector(2)->cycles, 2u);
    EXPECT_EQ(copy.slots(), 4u);
    EXPECT_EQ(copy.config().linearBucketNs, original.config().linearBucketNs);
}

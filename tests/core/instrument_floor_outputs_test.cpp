// The instrument floor wherever a run's numbers are shown (docs/report-schema.md "Instrument floor"): the JSON
// report's top-level key, the JSON Lines records, the live and final tables, the per-sample CSV, the HTML report,
// /metrics; a report or replay from the recording shows the live run's floor. Where no floor was measured
// (observer mode, an old recording), nothing is shown rather than a 0.
#include "report_cli_fixture.h"

#include "engine/instrument_floor.h"
#include "live_table.h"
#include "metrics/prometheus_text.h"
#include "report/html_report.h"
#include "report/json_report.h"
#include "report/report_tables.h"

#include <nlohmann/json.hpp>

#include <pty.h>

using namespace report_test;

namespace {

irqscope::core::Snapshot floorOutputsSnapshot(bool withFloor)
{
    irqscope::core::Snapshot s;
    s.deviceId = "sim";
    irqscope::core::VectorSnapshot v;
    v.name = "msix:0";
    v.id = {irqscope::core::IrqIndex::Msix, 0};
    v.counters.state = irqscope::core::vstate::kArmed;
    s.vectors.push_back(v);
    if (withFloor) {
        s.floor.count = 123;
        s.floor.minNs = 900;
        s.floor.p50Ns = 1'200;
        s.floor.p99Ns = 2'500;
        s.floor.maxNs = 9'100;
        s.floor.meanNs = 1'300;
        s.floorHistogram = {{1'152, 100}, {2'432, 23}};
    }
    return s;
}

std::string floorLineOf(const std::string& table)
{
    const auto at = table.find("instrument floor");
    if (at == std::string::npos)
        return {};
    return table.substr(at, table.find('\n', at) - at);
}

// `irqscope ARGS` on a pseudo-terminal, as a user at a terminal runs it (the table, not JSON Lines).
std::string floorRunOnPty(const std::vector<std::string>& args)
{
    std::fflush(stdout);
    int master = -1;
    const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
    if (pid < 0)
        return "forkpty failed";
    if (pid == 0) {
        std::vector<char*> argv{const_cast<char*>(IRQSCOPE_CLI_PATH)};
        for (const auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = read(master, buf, sizeof buf)) > 0;) // EIO once the child closed its side
        out.append(buf, static_cast<std::size_t>(n));
    close(master);
    waitpid(pid, nullptr, 0);
    return out;
}

} // namespace

TEST(InstrumentFloorOutputs, JsonReportHasTheDocumentedKey)
{
    const auto j = nlohmann::json::parse(readFile(liveRun() / "live.json"));
    ASSERT_TRUE(j.contains("instrument_floor")) << j.dump().substr(0, 300);
    const auto& f = j["instrument_floor"];
    EXPECT_EQ(f["rate_hz"].get<double>(), irqscope::core::kInstrumentFloorRateHz);
    const auto& l = f["latency_ns"];
    const uint64_t n = l["count"];
    EXPECT_GE(n, 1u);
    // At most one per period of the run (a relative bound: the machine decides how close to it a run gets).
    EXPECT_LE(static_cast<double>(n),
              j["run"]["duration_s"].get<double>() * irqscope::core::kInstrumentFloorRateHz + 1);
    EXPECT_GT(l["p50"].get<int64_t>(), 0);
    EXPECT_LE(l["p50"].get<int64_t>(), l["p99"].get<int64_t>());
    EXPECT_LE(l["p99"].get<int64_t>(), l["max"].get<int64_t>());
    // Not a vector: the four vectors are the report's, and their books still balance.
    EXPECT_EQ(j["vectors"].size(), 4u);
    EXPECT_TRUE(j["totals"]["balanced"].get<bool>());
    // Every floor sample is a row of the per-sample CSV, named as no vector is.
    uint64_t rows = 0;
    for (const auto& row : lines(readFile(liveRun() / "live.samples.csv"))) {
        if (row.rfind("instrument-floor,floor,", 0) != 0)
            continue;
        std::vector<std::string> cells;
        std::istringstream cellsIn(row);
        for (std::string cell; std::getline(cellsIn, cell, ',');)
            cells.push_back(cell);
        // vector,kind,seq,trigger_ns,completion_ns,latency_ns,value,event,delivery_ns: the empty event cell is
        // read, the empty delivery_ns cell that ends the row is not.
        ASSERT_EQ(cells.size(), 8u) << row;
        rows += std::stoll(cells[5]) > 0; // latency_ns: the summary counts positive latencies, as for the vectors
    }
    EXPECT_EQ(rows, n);
}

TEST(InstrumentFloorOutputs, HtmlReportSaysWhatTheFloorIs)
{
    const auto j = nlohmann::json::parse(readFile(liveRun() / "live.json"));
    const auto html = readFile(liveRun() / "live.html");
    const auto at = html.find("<p class=\"floor\" id=\"instrument-floor\">Instrument floor: p50 ");
    ASSERT_NE(at, std::string::npos);
    EXPECT_LT(html.find("<h2>Vectors</h2>"), at) << "beside the vectors' latency table";
    EXPECT_LT(at, html.find("<h2>Latency</h2>"));
    const std::string sentence = html.substr(at, html.find("</p>", at) - at);
    EXPECT_NE(sentence.find(std::to_string(j["instrument_floor"]["latency_ns"]["count"].get<uint64_t>()) +
                            " signals at 20 Hz"),
              std::string::npos)
        << sentence;
    EXPECT_NE(sentence.find("irqscope's own wake path"), std::string::npos) << sentence;
}

TEST(InstrumentFloorOutputs, HtmlReportWithoutAFloorSaysNothingOfIt)
{
    irqscope::core::ReportInput input;
    input.snapshot = floorOutputsSnapshot(false);
    EXPECT_EQ(irqscope::core::htmlReport(input).find("Instrument floor"), std::string::npos);
    EXPECT_EQ(irqscope::core::instrumentFloorText(input), "");
}

TEST(InstrumentFloorOutputs, ReportAndReplayOfTheRecordingShowTheLiveFloor)
{
    const auto dir = liveRun();
    const auto live = nlohmann::json::parse(readFile(dir / "live.json"));
    const std::string out = (dir / "floor-report.json").string();
    auto r = runCli("report " + (dir / "run.irqrec").string() + " --json " + out);
    ASSERT_EQ(r.exitCode, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(readFile(out))["instrument_floor"], live["instrument_floor"]);
    const std::string replayed = (dir / "floor-replay.json").string();
    r = runCli("replay " + (dir / "run.irqrec").string() + " --speed 0 --no-live --json " + replayed);
    ASSERT_EQ(r.exitCode, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(readFile(replayed))["instrument_floor"]["latency_ns"]["count"],
              live["instrument_floor"]["latency_ns"]["count"]);
    EXPECT_NE(floorLineOf(r.output), "") << "the replay's final table: " << r.output;
}

TEST(InstrumentFloorOutputs, PlainSimRunShowsItInItsTable)
{
    const std::string out = floorRunOnPty({"run", "--duration", "1s"});
    const std::string line = floorLineOf(out);
    ASSERT_NE(line, "") << out.substr(out.size() > 2000 ? out.size() - 2000 : 0);
    EXPECT_NE(line.find(" p50 "), std::string::npos) << line;
    EXPECT_NE(line.find(" p99 "), std::string::npos) << line;
    EXPECT_NE(line.find("irqscope's own wake path at 20 Hz"), std::string::npos) << line;
}

TEST(InstrumentFloorOutputs, JsonLinesRecordsCarryIt)
{
    const auto r = runCli("run --device sim --vectors msix:0 --rate 500 --duration 1200ms --interval 300ms");
    ASSERT_EQ(r.exitCode, 0) << r.output;
    std::istringstream in(r.output);
    bool sawInterval = false, sawSummary = false;
    for (std::string text; std::getline(in, text);) {
        const auto j = nlohmann::json::parse(text);
        if (j["type"] == "summary") {
            sawSummary = true;
            ASSERT_TRUE(j.contains("instrument_floor")) << text.substr(0, 300);
            EXPECT_GE(j["instrument_floor"]["latency_ns"]["count"].get<uint64_t>(), 1u);
        } else if (j["type"] == "interval" && j.contains("instrument_floor")) {
            sawInterval = true;
            EXPECT_GE(j["instrument_floor"]["latency_ns"]["count"].get<uint64_t>(), 1u);
        }
    }
    EXPECT_TRUE(sawSummary);
    EXPECT_TRUE(sawInterval) << "a 1.2 s run has records after its first floor sample";
}

TEST(InstrumentFloorOutputs, IntervalRecordLeavesItOutWhenNotMeasured)
{
    EXPECT_FALSE(irqscope::core::intervalJson(floorOutputsSnapshot(false)).contains("instrument_floor"));
    const auto j = irqscope::core::intervalJson(floorOutputsSnapshot(true));
    EXPECT_EQ(j["instrument_floor"]["latency_ns"]["p99"], 2'500);
    EXPECT_EQ(j["instrument_floor"]["latency_ns"]["count"], 123);
}

TEST(InstrumentFloorOutputs, LiveTableLineUnderTheVectors)
{
    const irqscope::cli::TableHeader header{"sim (kernel model 6.1)", "loopback @ 1000 Hz/vector", 0};
    const std::string table = irqscope::cli::renderTable(floorOutputsSnapshot(true), header, 40, false);
    EXPECT_EQ(floorLineOf(table),
              "instrument floor  p50 1.2 µs  p99 2.5 µs  max 9.1 µs  (n=123, irqscope's own wake path at 20 Hz)");
    EXPECT_LT(table.find("msix:0"), table.find("instrument floor"));
    EXPECT_EQ(floorLineOf(irqscope::cli::renderTable(floorOutputsSnapshot(false), header, 40, false)), "")
        << "no floor measured (observer mode, an old recording): no line, not a 0";
}

TEST(InstrumentFloorOutputs, MetricsFamilyWithTheDeviceLabelOnly)
{
    const auto s = floorOutputsSnapshot(true);
    irqscope::core::ExpositionInfo info;
    const std::string text = irqscope::core::prometheusText(&s, info);
    EXPECT_NE(text.find("# TYPE irqscope_instrument_floor_seconds histogram\n"), std::string::npos);
    EXPECT_NE(text.find("irqscope_instrument_floor_seconds_count{device=\"sim\"} 123\n"), std::string::npos) << text;
    EXPECT_NE(text.find("irqscope_instrument_floor_seconds_bucket{device=\"sim\",le=\"+Inf\"} 123\n"),
              std::string::npos);
    const auto noFloor = floorOutputsSnapshot(false);
    EXPECT_EQ(irqscope::core::prometheusText(&noFloor, info).find("instrument_floor"), std::string::npos);
}

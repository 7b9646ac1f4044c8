// cyclictest compatibility: an independent parser, written from cyclictest's formats as docs/report-cyclictest.md
// describes them ("What a parser relies on"), reads the T: lines, the text histogram with its footer and the
// cyclictest JSON, and its numbers must match the JSON report.
#include "report_cli_fixture.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <regex>

using namespace report_test;

namespace {

// --- the independent parser (docs/report-cyclictest.md, "What a parser relies on") -----------------------------
struct TLine
{
    int thread, tid, prio;
    long interval, cycles, min, act, avg, max;
};

std::vector<TLine> parseTLines(const std::string& text)
{
    // T:%2d (%5d) P:%2d I:%ld C:%7lu Min:%7ld Act:%5ld Avg:%5ld Max:%8ld
    static const std::regex re(R"(^T:([ \d]{2,}) \(([ \d]{5,})\) P:([ \d]{2,}) I:(\d+) C:([ \d]{7,}) )"
                               R"(Min:([ \d]{7,}) Act:([ \d]{5,}) Avg:([ \d]{5,}) Max:([ \d]{8,})$)");
    std::vector<TLine> out;
    for (const auto& l : lines(text)) {
        std::smatch m;
        if (l.rfind("T:", 0) != 0)
            continue;
        if (!std::regex_match(l, m, re)) {
            ADD_FAILURE() << "not a cyclictest T: line: '" << l << "'";
            continue;
        }
        out.push_back({std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3]), std::stol(m[4]), std::stol(m[5]),
                       std::stol(m[6]), std::stol(m[7]), std::stol(m[8]), std::stol(m[9])});
    }
    return out;
}

struct Histogram
{
    std::vector<std::vector<uint64_t>> counts; // [bucket][thread]
    std::vector<uint64_t> total, min, avg, max, overflows;
    std::vector<std::vector<uint64_t>> overflowCycles;
};

std::vector<uint64_t> footerNumbers(const std::string& line, const std::string& prefix)
{
    EXPECT_EQ(line.rfind(prefix, 0), 0u) << line;
    std::vector<uint64_t> out;
    std::istringstream in(line.substr(prefix.size()));
    for (std::string w; in >> w;)
        out.push_back(std::stoull(w));
    return out;
}

Histogram parseHistogram(const std::string& text)
{
    Histogram h;
    const auto ls = lines(text);
    EXPECT_FALSE(ls.empty());
    EXPECT_EQ(ls[0], "# Histogram");
    std::size_t i = 1;
    static const std::regex row(R"(^(\d{6}) (\d{6}(\t\d{6})*)$)");
    for (; i < ls.size() && ls[i][0] != '#'; ++i) {
        std::smatch m;
        EXPECT_TRUE(std::regex_match(ls[i], m, row)) << "bad histogram row '" << ls[i] << "'";
        EXPECT_EQ(std::stoul(m[1]), h.counts.size());
        std::vector<uint64_t> counts;
        std::istringstream in(m[2].str());
        for (std::string w; std::getline(in, w, '\t');)
            counts.push_back(std::stoull(w));
        h.counts.push_back(counts);
    }
    EXPECT_GE(ls.size(), i + 6);
    h.total = footerNumbers(ls[i], "# Total:");
    h.min = footerNumbers(ls[i + 1], "# Min Latencies:");
    h.avg = footerNumbers(ls[i + 2], "# Avg Latencies:");
    h.max = footerNumbers(ls[i + 3], "# Max Latencies:");
    h.overflows = footerNumbers(ls[i + 4], "# Histogram Overflows:");
    EXPECT_EQ(ls[i + 5], "# Histogram Overflow at cycle number:");
    for (std::size_t t = i + 6; t < ls.size(); ++t)
        h.overflowCycles.push_back(footerNumbers(ls[t], "# Thread " + std::to_string(t - i - 6) + ":"));
    return h;
}

nlohmann::json liveReport()
{
    return nlohmann::json::parse(readFile(liveRun() / "live.json"));
}

} // namespace

TEST(CyclictestCompat, SummaryLinesMatchTheJsonReport)
{
    const auto report = liveReport();
    const auto t = parseTLines(readFile(liveRun() / "stdout.txt"));
    ASSERT_EQ(t.size(), report["vectors"].size());
    for (std::size_t i = 0; i < t.size(); ++i) {
        const auto& l = report["vectors"][i]["latency_ns"];
        SCOPED_TRACE(report["vectors"][i]["name"].get<std::string>());
        EXPECT_EQ(t[i].thread, static_cast<int>(i));
        EXPECT_EQ(t[i].interval, 667); // 1e6 / 1500 Hz
        EXPECT_EQ(t[i].cycles, l["count"].get<long>());
        // How many cycles a 2 s run gets is the machine's business; that it measured some is the run's.
        ASSERT_GT(t[i].cycles, 0);
        EXPECT_EQ(t[i].min, l["min"].get<long>() / 1000);
        EXPECT_GE(t[i].min, kSimLatencyMinUs) << "no latency under the sim's device delay";
        EXPECT_EQ(t[i].max, l["max"].get<long>() / 1000);
        EXPECT_EQ(t[i].avg, static_cast<long>(l["mean"].get<double>() / 1000));
        EXPECT_GE(t[i].act, t[i].min);
        EXPECT_LE(t[i].act, t[i].max);
    }
}

TEST(CyclictestCompat, HistogramAndFooterMatchTheJsonReport)
{
    // The run's histogram has 8 buckets of 1 µs, and every latency of the run is at least the sim's device delay
    // (kSimLatencyMinUs): every cycle overflows, on a machine whose own wake-up takes 0.8 µs as on one where it
    // takes 16 µs. (HistogramSplitsExactlyWhereTheSamplesDo puts latencies on both sides of the last bucket.)
    static_assert(kSimLatencyMinUs >= 8, "the shared run's latency floor must lie past the 8 µs histogram");
    const auto report = liveReport();
    const auto h = parseHistogram(readFile(liveRun() / "live.hist"));
    const std::size_t n = report["vectors"].size();
    ASSERT_EQ(h.counts.size(), 8u);
    ASSERT_EQ(h.total.size(), n);
    ASSERT_EQ(h.min.size(), n);
    ASSERT_EQ(h.overflowCycles.size(), n);
    for (std::size_t t = 0; t < n; ++t) {
        const auto& l = report["vectors"][t]["latency_ns"];
        const uint64_t count = l["count"].get<uint64_t>();
        ASSERT_GT(count, 0u);
        uint64_t sum = 0;
        for (const auto& row : h.counts) {
            ASSERT_EQ(row.size(), n);
            sum += row[t];
        }
        EXPECT_EQ(sum, h.total[t]) << "Total excludes overflows";
        EXPECT_EQ(h.total[t] + h.overflows[t], count);
        EXPECT_EQ(h.min[t], l["min"].get<uint64_t>() / 1000);
        EXPECT_EQ(h.max[t], l["max"].get<uint64_t>() / 1000);
        EXPECT_EQ(h.avg[t], static_cast<uint64_t>(l["mean"].get<double>() / 1000));
        EXPECT_EQ(h.overflows[t], count) << "every latency is at least " << kSimLatencyMinUs << " µs, past 8 µs";
        EXPECT_EQ(h.total[t], 0u);
        // Every cycle overflowed, so the overflow list is the cycle numbers from 0, the first 1024 of them.
        ASSERT_EQ(h.overflowCycles[t].size(), std::min<uint64_t>(count, 1024));
        for (std::size_t k = 0; k < h.overflowCycles[t].size(); ++k)
            EXPECT_EQ(h.overflowCycles[t][k], k);
    }
}

TEST(CyclictestCompat, HistogramSplitsExactlyWhereTheSamplesDo)
{
    // The recording rendered again with a histogram sized from what the run measured: one bucket past the largest
    // of the vectors' minimum latencies. Every vector then has a latency inside the histogram (its minimum), and
    // the model's 20-60 µs spread puts others past its end. Each bucket, the overflows, the overflow cycle numbers
    // and the cyclictest JSON's bins must be exactly what the run's per-sample CSV says, whatever the latencies.
    const auto dir = liveRun();
    const auto report = liveReport();
    const std::size_t n = report["vectors"].size();
    int64_t largestMinUs = 0;
    for (const auto& v : report["vectors"])
        largestMinUs = std::max(largestMinUs, v["latency_ns"]["min"].get<int64_t>() / 1000);
    const auto buckets = static_cast<uint64_t>(largestMinUs + 1);
    const auto histPath = dir / "split.hist";
    const auto ctPath = dir / "split.ct.json";
    const auto r = runCli("report " + (dir / "run.irqrec").string() + " --histogram " + std::to_string(buckets) +
                          " --histfile " + histPath.string() + " --cyclictest-json " + ctPath.string());
    ASSERT_EQ(r.exitCode, 0) << r.output;
    const auto h = parseHistogram(readFile(histPath));
    const auto ct = nlohmann::json::parse(readFile(ctPath));
    const auto samples = sampleLatencies(dir / "live.samples.csv");
    ASSERT_EQ(h.counts.size(), buckets);
    ASSERT_EQ(h.overflows.size(), n);
    ASSERT_EQ(h.overflowCycles.size(), n);
    for (std::size_t t = 0; t < n; ++t) {
        const std::string name = report["vectors"][t]["name"];
        SCOPED_TRACE(name + " in a " + std::to_string(buckets) + " µs histogram");
        ASSERT_EQ(samples.count(name), 1u);
        const auto& latencies = samples.at(name);
        ASSERT_EQ(latencies.size(), report["vectors"][t]["latency_ns"]["count"].get<uint64_t>());
        std::vector<uint64_t> want(buckets, 0);
        std::vector<uint64_t> overflowCycles;
        uint64_t overflows = 0;
        for (std::size_t cycle = 0; cycle < latencies.size(); ++cycle) {
            const auto bucket = static_cast<uint64_t>(latencies[cycle] / 1000);
            if (bucket < buckets) {
                ++want[bucket];
                continue;
            }
            ++overflows;
            if (overflowCycles.size() < 1024)
                overflowCycles.push_back(cycle);
        }
        for (uint64_t b = 0; b < buckets; ++b)
            EXPECT_EQ(h.counts[b][t], want[b]) << "bucket " << b;
        EXPECT_EQ(h.total[t], latencies.size() - overflows);
        EXPECT_GT(h.total[t], 0u) << "the vector's minimum lies inside the histogram";
        EXPECT_EQ(h.overflows[t], overflows);
        EXPECT_EQ(h.overflowCycles[t], overflowCycles);
        nlohmann::json bins = nlohmann::json::object();
        for (uint64_t b = 0; b < buckets; ++b)
            if (want[b])
                bins[std::to_string(b)] = want[b];
        const auto& th = ct["thread"][std::to_string(t)];
        EXPECT_EQ(th["histogram"], bins) << "the non-zero bins, exactly";
        EXPECT_EQ(ct["irqscope"]["threads"][std::to_string(t)]["overflows"].get<uint64_t>(), overflows);
    }
}

TEST(CyclictestCompat, JsonKeepsCyclictestKeysAndMatchesTheJsonReport)
{
    const auto report = liveReport();
    const auto text = readFile(liveRun() / "live.ct.json");
    const auto ct = nlohmann::json::parse(text);
    EXPECT_EQ(ct["file_version"], 1);
    ASSERT_TRUE(ct.contains("cmdline:"));
    ASSERT_TRUE(ct.contains("rt_test_version:"));
    EXPECT_NE(ct["cmdline:"].get<std::string>().find("--cyclictest-json"), std::string::npos);
    EXPECT_EQ(ct["resolution_in_ns"], 0);
    for (const char* k : {"sysname", "nodename", "release", "version", "machine", "realtime"})
        EXPECT_TRUE(ct["sysinfo"].contains(k)) << k;
    const std::size_t n = report["vectors"].size();
    ASSERT_EQ(ct["num_threads"].get<std::size_t>(), n);
    for (std::size_t t = 0; t < n; ++t) {
        const auto& th = ct["thread"][std::to_string(t)];
        const auto& l = report["vectors"][t]["latency_ns"];
        // Exactly cyclictest's keys: extras live under "irqscope" only.
        std::vector<std::string> keys;
        for (auto it = th.begin(); it != th.end(); ++it)
            keys.push_back(it.key());
        EXPECT_EQ(keys, (std::vector<std::string>{"avg", "cpu", "cycles", "histogram", "max", "min", "node"}));
        EXPECT_EQ(th["cycles"].get<uint64_t>(), l["count"].get<uint64_t>());
        EXPECT_EQ(th["min"].get<int64_t>(), l["min"].get<int64_t>() / 1000);
        EXPECT_EQ(th["max"].get<int64_t>(), l["max"].get<int64_t>() / 1000);
        EXPECT_NEAR(th["avg"].get<double>(), l["mean"].get<double>() / 1000, 0.006);
        uint64_t sum = 0;
        for (auto it = th["histogram"].begin(); it != th["histogram"].end(); ++it) {
            EXPECT_LT(std::stoul(it.key()), 8u);
            EXPECT_GT(it.value().get<uint64_t>(), 0u) << "only non-zero bins";
            sum += it.value().get<uint64_t>();
        }
        const auto& x = ct["irqscope"]["threads"][std::to_string(t)];
        EXPECT_EQ(x["vector"], report["vectors"][t]["name"]);
        EXPECT_EQ(th["cycles"].get<uint64_t>() - sum, x["overflows"].get<uint64_t>());
        EXPECT_NEAR(x["percentiles"]["99"].get<double>(), l["p99"].get<double>() / 1000, 0.006);
    }
}

TEST(CyclictestCompat, NanosecondsOnRequest)
{
    const auto dir = liveRun();
    const auto out = (dir / "ns.ct.json").string();
    const auto r = runCli("report " + (dir / "run.irqrec").string() + " --ns --cyclictest --cyclictest-json " + out);
    ASSERT_EQ(r.exitCode, 0) << r.output;
    const auto report = liveReport();
    const auto ct = nlohmann::json::parse(readFile(out));
    EXPECT_EQ(ct["resolution_in_ns"], 1);
    const auto t = parseTLines(r.output);
    ASSERT_EQ(t.size(), report["vectors"].size());
    for (std::size_t i = 0; i < t.size(); ++i) {
        const auto& l = report["vectors"][i]["latency_ns"];
        EXPECT_EQ(t[i].min, l["min"].get<long>());
        EXPECT_EQ(t[i].max, l["max"].get<long>());
        EXPECT_EQ(ct["thread"][std::to_string(i)]["max"].get<long>(), l["max"].get<long>());
    }
}

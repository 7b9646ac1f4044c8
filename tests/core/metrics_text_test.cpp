// Prometheus exposition (core/metrics): escaping, the latency buckets against known samples, and the text's
// structure (HELP and TYPE before each family's samples, families contiguous, histogram invariants, bounded
// labels). promtool's own check of a live endpoint is tests/metrics/promtool-check.sh.
#include "engine/vector_counters.h"
#include "metrics/prometheus_text.h"
#include "stats/latency_summary.h"
#include "stats/log_histogram.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace irqscope::core;

namespace {

std::vector<std::pair<int64_t, uint64_t>> metricsHistogramBuckets(const LogHistogram& h)
{
    std::vector<std::pair<int64_t, uint64_t>> out;
    h.forEachBucket([&out](const HistogramBucket& b) { out.emplace_back(b.lowerNs, b.count); });
    return out;
}

VectorSnapshot vector(IrqIndex index, uint32_t sub, const std::vector<int64_t>& latenciesNs)
{
    VectorSnapshot v;
    v.id = {index, sub};
    v.name = vectorName(v.id);
    LogHistogram h;
    for (const auto ns : latenciesNs)
        h.record(ns);
    v.latency = summarizeLatency(h);
    v.histogram = metricsHistogramBuckets(h);
    v.counters.triggered = latenciesNs.size() + 5;
    v.counters.completed = latenciesNs.size();
    v.counters.coalesced = 2;
    v.counters.missed = 3;
    v.counters.spurious = 7;
    v.counters.errors = 1;
    v.counters.state = vstate::kArmed | vstate::kUserMasked;
    return v;
}

struct TextSample
{
    std::string name;
    std::map<std::string, std::string> labels;
    std::string value;
};

// A strict reader of the text format subset prometheusText() writes (one sample per line, no timestamps).
TextSample parseSample(const std::string& line)
{
    static const std::regex kLine(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$)");
    static const std::regex kLabel(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$))re");
    std::smatch m;
    EXPECT_TRUE(std::regex_match(line, m, kLine)) << line;
    TextSample s{m[1], {}, m[4]};
    const std::string labels = m[3];
    std::size_t consumed = 0;
    for (auto it = std::sregex_iterator(labels.begin(), labels.end(), kLabel); it != std::sregex_iterator(); ++it) {
        EXPECT_EQ(static_cast<std::size_t>(it->position()), consumed) << line;
        consumed += it->length();
        EXPECT_TRUE(s.labels.emplace((*it)[1], (*it)[2]).second) << "duplicate label in " << line;
    }
    EXPECT_EQ(consumed, labels.size()) << line;
    return s;
}

} // namespace

TEST(MetricsText, EscapesLabelValuesAndHelp)
{
    EXPECT_EQ(escapeLabelValue(R"(a\b"c)"
                               "\n"),
              R"(a\\b\"c\n)");
    EXPECT_EQ(escapeLabelValue("0000:01:00.0"), "0000:01:00.0");
    EXPECT_EQ(escapeHelp("back\\slash \"quoted\"\nnext"), "back\\\\slash \"quoted\"\\nnext");
}

TEST(MetricsText, FormatsSampleValuesAsPrometheusParsesThem)
{
    EXPECT_EQ(formatSampleValue(1e-6), "1e-06");
    EXPECT_EQ(formatSampleValue(0.0025), "0.0025");
    EXPECT_EQ(formatSampleValue(3), "3");
    EXPECT_EQ(formatSampleValue(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(formatSampleValue(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(formatSampleValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(MetricsText, LatencyBucketsAreCumulativeAndNeverCountASampleBelowItsBound)
{
    LogHistogram h;
    // 3 at 500 ns, 2 at 999 ns (<= 1 us), 1 at 1 us exactly (its log bucket reaches 1003 ns: counted at 2.5 us),
    // 4 at 30 us (<= 50 us), 1 at 7 ms (<= 10 ms), 2 at 3 s (+Inf only).
    for (const auto& [ns, n] : std::vector<std::pair<int64_t, int>>{
             {500, 3}, {999, 2}, {1000, 1}, {30'000, 4}, {7'000'000, 1}, {3'000'000'000, 2}})
        for (int i = 0; i < n; ++i)
            h.record(ns);
    const auto c = cumulativeLatencyBuckets(metricsHistogramBuckets(h));
    ASSERT_EQ(c.size(), 17u);
    const std::vector<uint64_t> want = {5, 6, 6, 6, 6, 10, 10, 10, 10, 10, 10, 10, 11, 11, 11, 11, 13};
    EXPECT_EQ(std::vector<uint64_t>(c.begin(), c.end()), want);
    const auto empty = cumulativeLatencyBuckets({});
    for (const auto n : empty)
        EXPECT_EQ(n, 0u);
}

TEST(MetricsText, BeforeTheFirstSnapshotOnlyBuildAndEngineMetrics)
{
    const std::string text = prometheusText(nullptr, {"0.1.0", "exporter", "0000:01:00.0"});
    EXPECT_EQ(text, "# HELP irqscope_build_info Always 1; the labels say which irqscope serves these metrics.\n"
                    "# TYPE irqscope_build_info gauge\n"
                    "irqscope_build_info{version=\"0.1.0\",mode=\"exporter\"} 1\n"
                    "# HELP irqscope_engine_running 1 while the measurement runs (its core thread or the observer).\n"
                    "# TYPE irqscope_engine_running gauge\n"
                    "irqscope_engine_running{device=\"0000:01:00.0\"} 0\n");
}

TEST(MetricsText, EveryFamilyHasHelpAndTypeFirstIsContiguousAndHistogramsAreConsistent)
{
    Snapshot snap;
    snap.deviceId = "we\"ird\\dev";
    snap.engine.running = true;
    snap.engine.samplesPushed = 42;
    snap.engine.ringDrops = 9;
    snap.elapsedSec = 2.5;
    snap.vectors.push_back(vector(IrqIndex::Msix, 3, {2'000, 3'000, 40'000, 120'000'000}));
    snap.vectors.push_back(vector(IrqIndex::Intx, 0, {}));
    {
        // msix:3 is watched by the delivery poller (docs/dma-triggers.md §6): 3 stamped, 1 unstamped.
        auto& v = snap.vectors[0];
        LogHistogram h;
        for (const int64_t ns : {1'000, 2'000, 30'000})
            h.record(ns);
        v.deliveryTracked = true;
        v.delivery = summarizeLatency(h);
        v.deliveryHistogram = metricsHistogramBuckets(h);
        v.deliveryUnstamped = 1;
    }
    const std::string text = prometheusText(&snap, {"0.1.0", "run", "sim"});

    std::istringstream in(text);
    std::string line;
    std::map<std::string, std::string> types; // family -> type
    std::set<std::string> finished;           // families whose samples ended
    std::string current;
    std::map<std::string, std::vector<TextSample>> samples;
    std::string pendingHelp;
    while (std::getline(in, line)) {
        if (line.rfind("# HELP ", 0) == 0) {
            pendingHelp = line.substr(7, line.find(' ', 7) - 7);
            continue;
        }
        if (line.rfind("# TYPE ", 0) == 0) {
            std::istringstream t(line.substr(7));
            std::string name, type;
            t >> name >> type;
            EXPECT_EQ(name, pendingHelp) << "HELP must come right before TYPE";
            EXPECT_FALSE(types.count(name)) << name << " declared twice";
            types[name] = type;
            if (!current.empty())
                finished.insert(current);
            current = name;
            continue;
        }
        const TextSample s = parseSample(line);
        std::string family = s.name;
        if (types[current] == "histogram") {
            for (const char* suffix : {"_bucket", "_sum", "_count"}) {
                if (family == current + suffix)
                    family = current;
            }
        }
        EXPECT_EQ(family, current) << "sample of another family in " << current << ": " << line;
        EXPECT_FALSE(finished.count(family)) << family << " is not contiguous";
        if (types[current] == "counter") {
            EXPECT_TRUE(s.name.size() > 6 && s.name.compare(s.name.size() - 6, 6, "_total") == 0) << s.name;
        }
        // Bounded labels: device, index, subindex (and le on buckets), or the build's own.
        for (const auto& [k, v] : s.labels) {
            EXPECT_TRUE(k == "device" || k == "index" || k == "subindex" || k == "le" || k == "version" || k == "mode")
                << k;
        }
        if (s.labels.count("device")) {
            EXPECT_EQ(s.labels.at("device"), R"(we\"ird\\dev)");
        }
        samples[s.name].push_back(s);
    }
    for (const char* f :
         {"irqscope_triggered_total", "irqscope_completed_total", "irqscope_coalesced_total", "irqscope_missed_total",
          "irqscope_spurious_total", "irqscope_device_originated_total", "irqscope_errors_total",
          "irqscope_skipped_total", "irqscope_requested_total", "irqscope_schedule_behind_total"}) {
        EXPECT_EQ(types[f], "counter") << f;
        EXPECT_EQ(samples[f].size(), 2u) << f;
    }
    for (const char* f :
         {"irqscope_vector_armed", "irqscope_vector_masked", "irqscope_vector_stuck", "irqscope_vector_triggering",
          "irqscope_in_flight", "irqscope_build_info", "irqscope_engine_running", "irqscope_uptime_seconds"})
        EXPECT_EQ(types[f], "gauge") << f;
    EXPECT_EQ(types["irqscope_ring_dropped_samples_total"], "counter");
    EXPECT_EQ(samples["irqscope_ring_dropped_samples_total"].at(0).value, "9");
    EXPECT_EQ(samples["irqscope_vector_masked"].at(0).value, "1");
    EXPECT_EQ(samples["irqscope_vector_stuck"].at(0).value, "0");
    EXPECT_EQ(samples["irqscope_triggered_total"].at(0).value, "9");
    EXPECT_EQ(samples["irqscope_triggered_total"].at(0).labels.at("index"), "msix");
    EXPECT_EQ(samples["irqscope_triggered_total"].at(0).labels.at("subindex"), "3");
    EXPECT_EQ(samples["irqscope_triggered_total"].at(1).labels.at("index"), "intx");

    ASSERT_EQ(types["irqscope_latency_seconds"], "histogram");
    const auto& buckets = samples["irqscope_latency_seconds_bucket"];
    ASSERT_EQ(buckets.size(), 2 * 17u);
    const std::vector<std::string> wantFirst = {"0", "1", "2", "2", "2", "3", "3", "3", "3",
                                                "3", "3", "3", "3", "3", "3", "3", "4"};
    for (std::size_t b = 0; b < 17; ++b) {
        EXPECT_EQ(buckets[b].value, wantFirst[b]) << buckets[b].labels.at("le");
        EXPECT_EQ(buckets[17 + b].value, "0");
    }
    EXPECT_EQ(buckets[0].labels.at("le"), "1e-06");
    EXPECT_EQ(buckets[15].labels.at("le"), "0.1");
    EXPECT_EQ(buckets[16].labels.at("le"), "+Inf");
    EXPECT_EQ(samples["irqscope_latency_seconds_count"].at(0).value, "4");
    EXPECT_EQ(samples["irqscope_latency_seconds_count"].at(1).value, "0");
    EXPECT_NEAR(std::stod(samples["irqscope_latency_seconds_sum"].at(0).value), 0.120045, 1e-9);
    EXPECT_EQ(samples["irqscope_latency_seconds_sum"].at(1).value, "0");

    // Delivery: only the watched vector has samples.
    ASSERT_EQ(types["irqscope_delivery_latency_seconds"], "histogram");
    const auto& delivery = samples["irqscope_delivery_latency_seconds_bucket"];
    ASSERT_EQ(delivery.size(), 17u);
    EXPECT_EQ(delivery[0].labels.at("subindex"), "3");
    EXPECT_EQ(delivery[0].value, "0");  // le 1 us: a bucket is counted only below a bound it lies under entirely
    EXPECT_EQ(delivery[16].value, "3"); // +Inf
    EXPECT_EQ(samples["irqscope_delivery_latency_seconds_count"].size(), 1u);
    EXPECT_EQ(samples["irqscope_delivery_latency_seconds_count"].at(0).value, "3");
    EXPECT_NEAR(std::stod(samples["irqscope_delivery_latency_seconds_sum"].at(0).value), 33e-6, 1e-12);
    EXPECT_EQ(types["irqscope_delivery_unstamped_total"], "counter");
    ASSERT_EQ(samples["irqscope_delivery_unstamped_total"].size(), 1u);
    EXPECT_EQ(samples["irqscope_delivery_unstamped_total"].at(0).value, "1");
}

TEST(MetricsText, NoDeliveryFamiliesWithoutADeliveryPoller)
{
    Snapshot snap;
    snap.vectors.push_back(vector(IrqIndex::Msix, 0, {2'000}));
    const std::string text = prometheusText(&snap, {"0.1.0", "run", "sim"});
    EXPECT_EQ(text.find("irqscope_delivery"), std::string::npos);
}

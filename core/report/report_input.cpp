// ReportInput: recomputing latencies from the collector and the extended JSON report.
#include "report/report_input.h"

#include "base/time_text.h"
#include "stats/latency_summary.h"

#include <nlohmann/json.hpp>

namespace irqscope::core {

void applyCollector(Snapshot& snapshot, const ReportCollector& collector)
{
    for (auto& v : snapshot.vectors) {
        v.latency = {};
        v.interval = {};
        v.histogram.clear();
        v.delivery = {};
        v.deliveryInterval = {};
        v.deliveryHistogram.clear();
        v.deliveryUnstamped = 0;
        v.deliveryRoundTrip = {};
        const CollectedVector* c = collector.vector(v.slot);
        if (!c)
            continue;
        v.latency = summarizeLatency(c->log);
        c->log.forEachBucket([&v](const HistogramBucket& b) { v.histogram.emplace_back(b.lowerNs, b.count); });
        if (c->delivery) {
            v.deliveryTracked = true;
            v.delivery = summarizeLatency(*c->delivery);
            v.deliveryUnstamped = c->deliveryUnstamped;
            if (c->deliveryRoundTrip)
                v.deliveryRoundTrip = summarizeLatency(*c->deliveryRoundTrip);
            c->delivery->forEachBucket(
                [&v](const HistogramBucket& b) { v.deliveryHistogram.emplace_back(b.lowerNs, b.count); });
        }
    }
    snapshot.floor = summarizeLatency(collector.floor());
    snapshot.floorHistogram.clear();
    collector.floor().forEachBucket(
        [&snapshot](const HistogramBucket& b) { snapshot.floorHistogram.emplace_back(b.lowerNs, b.count); });
}

nlohmann::json reportJson(const ReportInput& input)
{
    auto j = reportJson(input.snapshot, input.run, input.system);
    j["system"]["tuning"] = tuningJson(input.tuning);
    j["run"]["started_at"] = isoUtcSeconds(input.startWallNs);
    j["run"]["ended_at"] = isoUtcSeconds(input.snapshot.wallTimeNs);
    auto& vectors = j["vectors"];
    for (std::size_t i = 0; i < input.snapshot.vectors.size() && i < vectors.size(); ++i) {
        const auto& v = input.snapshot.vectors[i];
        nlohmann::json buckets = nlohmann::json::array();
        for (const auto& [lower, count] : v.histogram)
            buckets.push_back({lower, count});
        vectors[i]["histogram_ns"] = std::move(buckets);
        if (v.deliveryTracked) {
            nlohmann::json delivery = nlohmann::json::array();
            for (const auto& [lower, count] : v.deliveryHistogram)
                delivery.push_back({lower, count});
            vectors[i]["delivery_histogram_ns"] = std::move(delivery);
        }
        vectors[i]["cyclictest_thread"] = i;
    }
    return j;
}

} // namespace irqscope::core

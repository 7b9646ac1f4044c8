// Nearest-rank percentiles over sorted samples and per-statistic medians across rounds.
#include "common/latency_stats.h"

#include <algorithm>
#include <cmath>

namespace irqscope::bench {

namespace {

int64_t rank(const std::vector<int64_t>& sorted, double q)
{
    const auto n = sorted.size();
    auto r = static_cast<std::size_t>(std::ceil(q * static_cast<double>(n)));
    r = std::clamp<std::size_t>(r, 1, n);
    return sorted[r - 1];
}

} // namespace

LatencyStats summarise(std::vector<int64_t>& samples)
{
    LatencyStats s;
    if (samples.empty())
        return s;
    std::sort(samples.begin(), samples.end());
    s.minNs = samples.front();
    s.p50Ns = rank(samples, 0.50);
    s.p99Ns = rank(samples, 0.99);
    s.p999Ns = rank(samples, 0.999);
    s.maxNs = samples.back();
    return s;
}

double median(std::vector<double> values)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[(values.size() - 1) / 2];
}

LatencyStats medianAcrossRounds(const std::vector<LatencyStats>& rounds)
{
    auto pick = [&](int64_t LatencyStats::*field) {
        std::vector<double> v;
        for (const auto& r : rounds)
            v.push_back(static_cast<double>(r.*field));
        return static_cast<int64_t>(median(std::move(v)));
    };
    LatencyStats m;
    m.minNs = pick(&LatencyStats::minNs);
    m.p50Ns = pick(&LatencyStats::p50Ns);
    m.p99Ns = pick(&LatencyStats::p99Ns);
    m.p999Ns = pick(&LatencyStats::p999Ns);
    m.maxNs = pick(&LatencyStats::maxNs);
    return m;
}

} // namespace irqscope::bench

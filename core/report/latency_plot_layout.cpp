// The latency histogram's fitted log axis and bins, and the percentile plot's curves.
#include "report/latency_plot_layout.h"

#include "stats/log_histogram.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>

namespace irqscope::core {

namespace {

constexpr double kPad = 0.03; // of the axis width, beyond a range end that shows every sample

// The exclusive upper end of the log-linear bucket whose lower bound is `lowerNs`.
double bucketEndNs(int64_t lowerNs)
{
    return static_cast<double>(LogHistogram::bucketUpper(LogHistogram::bucketOf(lowerNs))) + 1;
}

struct Pooled
{
    LatencyBuckets buckets; // merged, ascending
    uint64_t total = 0;

    explicit Pooled(const std::vector<const LatencyBuckets*>& histograms)
    {
        for (const LatencyBuckets* h : histograms) {
            if (!h)
                continue;
            for (const auto& b : *h) {
                if (b.second == 0)
                    continue;
                buckets.push_back(b);
                total += b.second;
            }
        }
        std::sort(buckets.begin(), buckets.end());
    }
    // The bucket holding rank ceil(q * total): its lower bound and exclusive end.
    std::pair<double, double> at(double q) const
    {
        const auto rank =
            std::clamp<uint64_t>(static_cast<uint64_t>(std::ceil(q * static_cast<double>(total))), 1, total);
        uint64_t seen = 0;
        for (const auto& [lower, count] : buckets) {
            seen += count;
            if (seen >= rank)
                return {static_cast<double>(std::max<int64_t>(lower, 1)), bucketEndNs(lower)};
        }
        return {static_cast<double>(buckets.back().first), bucketEndNs(buckets.back().first)};
    }
    double minNs() const { return static_cast<double>(std::max<int64_t>(buckets.front().first, 1)); }
    double endNs() const { return bucketEndNs(buckets.back().first); }
};

// [lo, hi] in log10, widened about its centre to at least `minDecades`.
std::pair<double, double> atLeast(double lo, double hi, double minDecades)
{
    if (hi - lo >= minDecades)
        return {lo, hi};
    const double centre = (lo + hi) / 2;
    return {centre - minDecades / 2, centre + minDecades / 2};
}

// The smallest bin (decades) that holds several source buckets everywhere on an axis starting at `loNs`: the
// log-linear buckets are 1 ns wide below 128 ns and 1/256..1/128 of their value above, so a narrower display bin
// would catch one bucket or none, a comb instead of a histogram.
double minBinDecades(double loNs)
{
    if (loNs < LogHistogram::kSub)
        return 2 * std::log10(1 + 1 / std::max(loNs, 1.0));
    return 4 * std::log10(1 + 1.0 / LogHistogram::kSub);
}

} // namespace

double LatencyHistogramLayout::fraction(double ns) const
{
    if (empty || !(ns > 0))
        return 0;
    return (std::log10(ns) - std::log10(loNs)) / (std::log10(hiNs) - std::log10(loNs));
}

double PercentileLayout::yFraction(double ns) const
{
    if (empty || !(ns > 0))
        return 0;
    return (std::log10(ns) - std::log10(loNs)) / (std::log10(hiNs) - std::log10(loNs));
}

double percentileX(double p)
{
    return std::log10(1 / (1 - std::clamp(p, 0.0, 1 - 1e-15)));
}

LatencyHistogramLayout latencyHistogramLayout(const std::vector<const LatencyBuckets*>& histograms,
                                              const HistogramFit& fit)
{
    LatencyHistogramLayout out;
    const Pooled pooled(histograms);
    if (pooled.total == 0)
        return out;
    out.empty = false;
    out.minNs = static_cast<int64_t>(pooled.minNs());
    out.maxNs = static_cast<int64_t>(pooled.endNs()) - 1;

    const double dataLo = std::log10(pooled.minNs()), dataHi = std::log10(pooled.endNs());
    const double bodyLo = std::log10(pooled.at(0.05).first), bodyHi = std::log10(pooled.at(0.95).second);
    const double body = bodyHi - bodyLo;
    const double width = std::max(body / fit.bodyShare, fit.minDecades);
    double lo, hi;
    if (dataHi - dataLo <= width) {
        // Every sample fits: the whole range, with a little room at the ends.
        const double pad = kPad * std::max(dataHi - dataLo, fit.minDecades);
        std::tie(lo, hi) = atLeast(dataLo - pad, dataHi + pad, fit.minDecades);
    } else {
        // The tails would squeeze the body: each gets up to half of the rest of the width, a short one all of its
        // length and the long one what the short one left (so a short tail is never cut for a long one's sake).
        const double left = bodyLo - dataLo, right = dataHi - bodyHi;
        const double extra = width - body;
        double toLeft = std::min(left, extra / 2);
        const double toRight = std::min(right, extra - toLeft);
        toLeft = std::min(left, extra - toRight);
        lo = bodyLo - toLeft;
        hi = bodyHi + toRight;
    }
    std::size_t bins = 0;
    if (const LatencyHistogramLayout* prev = fit.previous; prev && !prev->empty && prev->bins() > 0) {
        const double prevLo = std::log10(prev->loNs), prevHi = std::log10(prev->hiNs);
        const double slack = fit.keepWithin * (prevHi - prevLo);
        if (std::fabs(lo - prevLo) <= slack && std::fabs(hi - prevHi) <= slack) {
            lo = prevLo;
            hi = prevHi;
            bins = prev->bins();
        }
    }
    out.loNs = std::pow(10.0, lo);
    out.hiNs = std::pow(10.0, hi);
    if (bins == 0) {
        // As many as the buckets allow, but no more than about 1.5 sqrt(n) for the largest histogram's n samples:
        // a few hundred samples in a hundred bins is noise, not a shape.
        uint64_t largest = 0;
        for (const LatencyBuckets* h : histograms) {
            uint64_t n = 0;
            for (std::size_t i = 0; h && i < h->size(); ++i)
                n += (*h)[i].second;
            largest = std::max(largest, n);
        }
        const double bySamples = std::max(16.0, 1.5 * std::sqrt(static_cast<double>(largest)));
        bins = static_cast<std::size_t>(std::clamp<double>(
            std::min(std::floor((hi - lo) / minBinDecades(out.loNs)), bySamples), 1, std::max(fit.maxBins, 1)));
    }
    out.edgesNs.resize(bins + 1);
    for (std::size_t i = 0; i <= bins; ++i)
        out.edgesNs[i] = std::pow(10.0, lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(bins));

    out.counts.resize(histograms.size());
    for (std::size_t h = 0; h < histograms.size(); ++h) {
        auto& counts = out.counts[h];
        counts.assign(bins, 0);
        if (!histograms[h])
            continue;
        for (const auto& [lower, count] : *histograms[h]) {
            const double mid = std::sqrt(static_cast<double>(std::max<int64_t>(lower, 1)) * bucketEndNs(lower));
            const double at = (std::log10(mid) - lo) / (hi - lo) * static_cast<double>(bins);
            if (at < 0) {
                out.below += count;
            } else if (at >= static_cast<double>(bins)) {
                out.above += count;
            } else {
                auto& bin = counts[static_cast<std::size_t>(at)];
                bin += count;
                out.peak = std::max(out.peak, bin);
            }
        }
    }
    out.ticks = logLatencyTicks(out.loNs, out.hiNs, 7);
    return out;
}

PercentileLayout percentileLayout(const std::vector<const LatencyBuckets*>& histograms)
{
    PercentileLayout out;
    const Pooled pooled(histograms);
    if (pooled.total == 0)
        return out;
    out.empty = false;

    uint64_t largest = 0;
    out.curves.resize(histograms.size());
    for (std::size_t h = 0; h < histograms.size(); ++h) {
        if (!histograms[h])
            continue;
        uint64_t n = 0;
        for (const auto& b : *histograms[h])
            n += b.second;
        largest = std::max(largest, n);
        auto& curve = out.curves[h];
        curve.reserve(2 * histograms[h]->size());
        const double ranks = static_cast<double>(n) + 1;
        uint64_t seen = 0;
        for (const auto& [lower, count] : *histograms[h]) {
            if (count == 0)
                continue;
            const double value = static_cast<double>(LogHistogram::bucketMidpoint(LogHistogram::bucketOf(lower)));
            curve.emplace_back(percentileX(static_cast<double>(seen) / ranks), value);
            seen += count;
            curve.emplace_back(percentileX(static_cast<double>(seen) / ranks), value);
        }
    }
    // Whole decades up to the largest histogram's count: its last rank sits at log10(n + 1), a hair beyond when n is
    // a power of ten, and is drawn at the end.
    out.xMax = std::max(1.0, std::ceil(std::log10(static_cast<double>(largest)) - 1e-9));
    for (auto& curve : out.curves) {
        for (auto& point : curve)
            point.first = std::min(point.first, out.xMax);
    }
    out.xTicks.push_back(AxisTick{0, "0%"});
    out.xTicks.push_back(AxisTick{percentileX(0.5), "50%"});
    for (int k = 1; k <= static_cast<int>(out.xMax); ++k) {
        // k nines: 90%, 99%, 99.9%, 99.99%, ...
        const std::string label = k == 1 ? "90%" : k == 2 ? "99%" : "99." + std::string(k - 2, '9') + "%";
        out.xTicks.push_back(AxisTick{static_cast<double>(k), label});
    }

    const double dataLo = std::log10(pooled.minNs()), dataHi = std::log10(pooled.endNs());
    const double pad = kPad * std::max(dataHi - dataLo, 0.3);
    const auto [lo, hi] = atLeast(dataLo - pad, dataHi + pad, 0.3);
    out.loNs = std::pow(10.0, lo);
    out.hiNs = std::pow(10.0, hi);
    out.yTicks = logLatencyTicks(out.loNs, out.hiNs, 7);
    return out;
}

} // namespace irqscope::core

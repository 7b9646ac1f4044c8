// Equal-width re-binning and the step outline of the latency histogram.
#include "charts/histogram_bins.h"

#include <algorithm>
#include <cmath>

namespace irqscope::ui {

int64_t niceBinWidth(int64_t rangeNs, int maxBins)
{
    const int64_t minimum = std::max<int64_t>(1, (rangeNs + maxBins - 1) / std::max(maxBins, 1));
    for (int64_t decade = 1;; decade *= 10) {
        for (int64_t step : {1, 2, 5}) {
            if (step * decade >= minimum)
                return step * decade;
        }
    }
}

int64_t pooledPercentileNs(const std::vector<const HistogramBuckets*>& histograms, double q, HistogramBuckets& scratch)
{
    scratch.clear();
    uint64_t total = 0;
    for (const HistogramBuckets* h : histograms) {
        for (const auto& bucket : *h) {
            scratch.push_back(bucket);
            total += bucket.second;
        }
    }
    if (total == 0)
        return 0;
    std::sort(scratch.begin(), scratch.end());
    const auto rank =
        std::max<uint64_t>(1, std::min(static_cast<uint64_t>(std::ceil(q * static_cast<double>(total))), total - 1));
    uint64_t seen = 0;
    for (const auto& [bound, count] : scratch) {
        seen += count;
        if (seen >= rank)
            return bound;
    }
    return scratch.back().first;
}

int64_t histogramAxisNs(int64_t maxNs, int64_t pooledP999Ns)
{
    if (pooledP999Ns > 0 && maxNs > 8 * pooledP999Ns)
        return niceBinWidth(4 * pooledP999Ns, 1);
    return niceBinWidth(std::max<int64_t>(maxNs + 1, 1000), 1);
}

void rebin(const std::vector<std::pair<int64_t, uint64_t>>& buckets, int64_t binWidthNs, int binCount,
           std::vector<uint64_t>& bins)
{
    bins.assign(static_cast<std::size_t>(std::max(binCount, 1)), 0);
    const int64_t width = std::max<int64_t>(binWidthNs, 1);
    for (const auto& [lowerNs, count] : buckets) {
        const auto bin = std::clamp<int64_t>(lowerNs / width, 0, static_cast<int64_t>(bins.size()) - 1);
        bins[static_cast<std::size_t>(bin)] += count;
    }
}

uint64_t stepOutline(const std::vector<uint64_t>& bins, int64_t binWidthNs, double floor, QList<QPointF>& out)
{
    out.resize(0);
    uint64_t peak = 0;
    const double widthUs = static_cast<double>(binWidthNs) / 1e3;
    for (std::size_t i = 0; i < bins.size(); ++i) {
        const double y = bins[i] ? static_cast<double>(bins[i]) : floor;
        const double x0 = static_cast<double>(i) * widthUs;
        peak = std::max(peak, bins[i]);
        // A bin level with the one before extends its step: Qt Charts strokes every point again on each update.
        if (i > 0 && bins[i] == bins[i - 1]) {
            out.back().setX(x0 + widthUs);
            continue;
        }
        out.append(QPointF(x0, y));
        out.append(QPointF(x0 + widthUs, y));
    }
    return peak;
}

} // namespace irqscope::ui

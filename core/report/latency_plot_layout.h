// Where a latency plot puts its data, decided once for the report charts (HTML, PDF) and the dashboard alike, so
// that a distribution at 0.5 µs and one at 500 µs are both readable:
//  - the histogram: a log latency axis fitted to the data, with log-spaced bins. The axis covers every sample when
//    that leaves the body (the 5th to 95th percentile) most of the width; when far tails would squeeze the body,
//    the axis stops short of them, in proportion to each tail's length, and the samples beyond it are counted
//    (below / above), not drawn. The percentile plot shows those tails.
//  - the percentile plot (as HdrHistogram plots it): latency on a log axis from the minimum to the maximum against
//    the percentile on a 1/(1 - p) axis, one decade per "nine": 0 %, 90 %, 99 %, 99.9 %, ...
// Pure functions of the snapshot histograms (non-empty log-linear buckets, (lower bound ns, count), ascending).
#pragma once

#include "report/latency_axis.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace irqscope::core {

using LatencyBuckets = std::vector<std::pair<int64_t, uint64_t>>;

struct LatencyHistogramLayout
{
    bool empty = true;
    double loNs = 0, hiNs = 0;   // the axis ends (log scale)
    std::vector<double> edgesNs; // bins + 1 edges, equal steps in log from loNs to hiNs
    // Per histogram given, per bin: the samples whose bucket's (geometric) midpoint falls in the bin.
    std::vector<std::vector<uint64_t>> counts;
    uint64_t peak = 0;             // the largest bin count
    uint64_t below = 0, above = 0; // samples of every histogram outside the axis (not drawn)
    int64_t minNs = 0, maxNs = 0;  // pooled over the histograms (bucket bounds)
    std::vector<AxisTick> ticks;

    std::size_t bins() const { return edgesNs.empty() ? 0 : edgesNs.size() - 1; }
    // Where `ns` sits along the axis: 0 at loNs, 1 at hiNs (log scale; not clamped).
    double fraction(double ns) const;
};

// Settings of the histogram's fit.
struct HistogramFit
{
    int maxBins = 120;
    double bodyShare = 0.6;  // the 5th..95th percentile span takes at least this part of the width when tails are cut
    double minDecades = 0.3; // the narrowest axis (a factor of 2): a fixed latency still shows as a peak, not a wall
    // A previous layout to keep when the new fit's ends are within `keepWithin` of its width of it (the dashboard
    // redraws at 30 Hz: its axis must not twitch with every snapshot).
    const LatencyHistogramLayout* previous = nullptr;
    double keepWithin = 0.08;
};

LatencyHistogramLayout latencyHistogramLayout(const std::vector<const LatencyBuckets*>& histograms,
                                              const HistogramFit& fit = {});

struct PercentileLayout
{
    bool empty = true;
    // x: log10(1 / (1 - p)), from 0 (p = 0) to xMax, the whole number of decades that holds the largest histogram's
    // n samples (rank c of n is drawn at p = c / (n + 1), so the last one at log10(n + 1)).
    double xMax = 1;
    std::vector<AxisTick> xTicks; // "0%", "50%", "90%", "99%", "99.9%", ... (value: x)
    double loNs = 0, hiNs = 0;    // the latency axis (log): minimum to maximum, padded a little
    std::vector<AxisTick> yTicks;
    // Per histogram: a step curve of (x, latency ns) points, each bucket level from its first to its last rank.
    std::vector<std::vector<std::pair<double, double>>> curves;

    double yFraction(double ns) const; // 0 at loNs, 1 at hiNs (log scale)
};

PercentileLayout percentileLayout(const std::vector<const LatencyBuckets*>& histograms);

// x of percentile p (0 <= p < 1) on the 1 / (1 - p) axis.
double percentileX(double p);

} // namespace irqscope::core

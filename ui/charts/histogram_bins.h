// Histogram re-binning for the OSADL-style latency plot: the snapshot's log-linear buckets (128 per power of
// two) summed into equal-width bins over [0, range), and drawn as a step outline whose empty bins sit on the
// log axis' floor.
#pragma once

#include <QList>
#include <QPointF>

#include <cstdint>
#include <utility>
#include <vector>

namespace irqscope::ui {

// A bin width (ns) from the 1-2-5 series that splits [0, rangeNs) into at most `maxBins` bins.
int64_t niceBinWidth(int64_t rangeNs, int maxBins);

using HistogramBuckets = std::vector<std::pair<int64_t, uint64_t>>;

// The q-quantile (bucket lower bound, ns) of several histograms pooled, never the single largest sample (with a
// few hundred samples p99.9 would be the maximum); `scratch` is reused (capacity kept).
int64_t pooledPercentileNs(const std::vector<const HistogramBuckets*>& histograms, double q, HistogramBuckets& scratch);

// Where the latency axis ends (ns, a 1-2-5 number): at the largest maximum of the charted vectors, unless that
// maximum is an outlier beyond 8x their pooled p99.9; then at 4x that p99.9, so one spike does not squeeze every
// other sample into the first bin (cyclictest's histogram limit does the same; the last bin takes the rest). The
// pooled p99.9, not each vector's: with a few dozen samples a vector's p99.9 is its maximum.
int64_t histogramAxisNs(int64_t maxNs, int64_t pooledP999Ns);

// Sums `buckets` ((lower bound ns, count), ascending) into bins of `binWidthNs`; `bins` is resized to
// `binCount` (the last bin also takes everything beyond).
void rebin(const std::vector<std::pair<int64_t, uint64_t>>& buckets, int64_t binWidthNs, int binCount,
           std::vector<uint64_t>& bins);

// The step outline of `bins` in (µs, count) with empty bins at `floor`, one step per run of equal bins; `out` is
// cleared first (capacity kept).
// Returns the largest count.
uint64_t stepOutline(const std::vector<uint64_t>& bins, int64_t binWidthNs, double floor, QList<QPointF>& out);

} // namespace irqscope::ui

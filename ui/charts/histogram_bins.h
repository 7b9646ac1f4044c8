// Qt series data from the shared latency plot layouts (core/report/latency_plot_layout.h): the histogram's step
// outline on the log latency axis, the percentile curve thinned to the pixels it covers, and a category axis
// holding a layout's round ticks (the charts plot log10 of the latency, so that the axis labels can be the
// layout's "500 ns", "2 µs" at any span, which QLogValueAxis cannot do below a decade).
#pragma once

#include "report/latency_axis.h"
#include "stats/snapshot.h"

#include <QList>
#include <QPointF>

#include <cstdint>
#include <utility>
#include <vector>

class QCategoryAxis;

namespace irqscope::ui {

// The step outline of `bins` (counts) between `edgesNs` (bins + 1, ascending) as (log10 ns, count) points, empty
// bins at `floor`, one step per run of equal bins (Qt Charts strokes every point on each update); `out` is cleared
// first (capacity kept). Returns the largest count.
uint64_t stepOutline(const std::vector<double>& edgesNs, const std::vector<uint64_t>& bins, double floor,
                     QList<QPointF>& out);

// The curve's (x, latency ns) points as (x, log10 ns), at most the first and the last of each `minDx` wide column:
// a few hundred points however many buckets there are.
void percentilePoints(const std::vector<std::pair<double, double>>& curve, double minDx, QList<QPointF>& out);

// Replaces the axis' categories with `ticks`, labelled on their values (log10 of them when `log10Values`), over
// [min, max]; ticks outside it are left out.
void setTicks(QCategoryAxis* axis, const std::vector<core::AxisTick>& ticks, double min, double max, bool log10Values);

// The vector of `snapshot` in `slot` (its vectors are sorted by slot), or null when the snapshot has none there.
const core::VectorSnapshot* vectorInSlot(const core::Snapshot& snapshot, uint32_t slot);

} // namespace irqscope::ui

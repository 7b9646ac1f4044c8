// The latency charts' series data on the log latency axis.
#include "charts/histogram_bins.h"

#include <QCategoryAxis>

#include <algorithm>
#include <cmath>

namespace irqscope::ui {

uint64_t stepOutline(const std::vector<double>& edgesNs, const std::vector<uint64_t>& bins, double floor,
                     QList<QPointF>& out)
{
    out.resize(0);
    uint64_t peak = 0;
    for (std::size_t i = 0; i < bins.size() && i + 1 < edgesNs.size(); ++i) {
        const double y = bins[i] ? static_cast<double>(bins[i]) : floor;
        const double x0 = std::log10(edgesNs[i]), x1 = std::log10(edgesNs[i + 1]);
        peak = std::max(peak, bins[i]);
        if (i > 0 && bins[i] == bins[i - 1]) {
            out.back().setX(x1); // a bin level with the one before extends its step
            continue;
        }
        out.append(QPointF(x0, y));
        out.append(QPointF(x1, y));
    }
    return peak;
}

void percentilePoints(const std::vector<std::pair<double, double>>& curve, double minDx, QList<QPointF>& out)
{
    // The first and the last point of each column minDx wide: the curve rises monotonically, so they are the
    // column's lowest and highest, and the steps keep their corners at that resolution.
    out.resize(0);
    int64_t column = 0;
    bool second = false; // the column already has its last point
    for (const auto& [x, ns] : curve) {
        const QPointF point(x, std::log10(std::max(ns, 1.0)));
        const auto at = static_cast<int64_t>(std::floor(x / std::max(minDx, 1e-12)));
        if (out.isEmpty() || at != column) {
            out.append(point);
            column = at;
            second = false;
        } else if (!second) {
            out.append(point);
            second = true;
        } else {
            out.back() = point;
        }
    }
}

void setTicks(QCategoryAxis* axis, const std::vector<core::AxisTick>& ticks, double min, double max, bool log10Values)
{
    for (const QString& label : axis->categoriesLabels())
        axis->remove(label);
    // Just below min, so that a tick on min itself (the percentile axis' 0%) is a category of its own.
    axis->setStartValue(min - (max - min) * 1e-6);
    double last = min - 1;
    for (const auto& t : ticks) {
        const double at = log10Values ? std::log10(t.value) : t.value;
        if (at <= last || at < min || at > max)
            continue; // categories must ascend inside the range
        axis->append(QString::fromStdString(t.label), at);
        last = at;
    }
    axis->setRange(min, max);
}

const core::VectorSnapshot* vectorInSlot(const core::Snapshot& snapshot, uint32_t slot)
{
    const auto it = std::lower_bound(snapshot.vectors.begin(), snapshot.vectors.end(), slot,
                                     [](const core::VectorSnapshot& v, uint32_t s) { return v.slot < s; });
    return it != snapshot.vectors.end() && it->slot == slot ? &*it : nullptr;
}

} // namespace irqscope::ui

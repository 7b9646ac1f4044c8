// HistogramChart: the latency distribution of the charted vectors since start (or the last reset), in the
// OSADL latency-plot look: equal-width latency bins on x, counts on a log-scaled y axis, one outline per vector.
#pragma once

#include "charts/chart_style.h"
#include "stats/snapshot.h"

#include <QChartView>
#include <QList>
#include <QPointF>

#include <array>
#include <vector>

class QLineSeries;
class QLogValueAxis;
class QValueAxis;

namespace irqscope::ui {

class HistogramChart final : public QChartView
{
    Q_OBJECT
public:
    static constexpr int kBins = 200;
    static constexpr double kFloor = 0.8; // where empty bins sit on the log axis (below a count of 1)

    explicit HistogramChart(QWidget* parent = nullptr);

    void setCharted(const std::vector<uint32_t>& slots, const QStringList& names);
    // Redraws from the snapshot's histograms of the charted vectors.
    void refresh(const core::Snapshot& snapshot);
    qsizetype pointCount(int i) const;

private:
    std::vector<uint32_t> m_slots;
    std::array<QLineSeries*, kMaxChartedVectors> m_series{};
    std::array<QList<QPointF>, kMaxChartedVectors> m_points;
    std::vector<uint64_t> m_bins;
    QValueAxis* m_x = nullptr;
    QLogValueAxis* m_y = nullptr;
    double m_xMax = 0;
    double m_yMax = 0;
};

} // namespace irqscope::ui

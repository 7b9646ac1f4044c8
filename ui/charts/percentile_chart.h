// PercentileChart: latency against percentile as HdrHistogram plots it, for the charted vectors since start (or
// the last reset): the percentile on a 1/(1 - p) axis (0 %, 50 %, 90 %, 99 %, 99.9 %, ...), the latency on a log
// axis from the minimum to the maximum. Where the histogram shows the body, this shows the tail. Laid out by
// core/report/latency_plot_layout.h (as the reports' percentile plot); y values are log10(ns).
#pragma once

#include "charts/chart_style.h"
#include "report/latency_plot_layout.h"
#include "stats/snapshot.h"

#include <QChartView>
#include <QList>
#include <QPointF>

#include <array>
#include <vector>

class QCategoryAxis;
class QLineSeries;

namespace irqscope::ui {

class PercentileChart final : public QChartView
{
    Q_OBJECT
public:
    explicit PercentileChart(QWidget* parent = nullptr);

    void setCharted(const std::vector<uint32_t>& slots, const QStringList& names);
    void refresh(const core::Snapshot& snapshot);
    qsizetype pointCount(int i) const;
    // For tests: the axes' ranges (x in decades of 1/(1 - p), y in log10 ns) and their tick labels.
    std::pair<double, double> percentileAxisRange() const;
    std::pair<double, double> latencyAxisRange() const;
    QStringList percentileLabels() const;
    QStringList latencyLabels() const;

private:
    std::vector<uint32_t> m_slots;
    std::array<QLineSeries*, kMaxChartedVectors> m_series{};
    std::array<QList<QPointF>, kMaxChartedVectors> m_points;
    std::vector<const core::LatencyBuckets*> m_histograms;
    QCategoryAxis* m_x = nullptr;
    QCategoryAxis* m_y = nullptr;
    double m_xMax = 0, m_yLo = 0, m_yHi = 0;
};

} // namespace irqscope::ui

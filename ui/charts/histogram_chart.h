// HistogramChart: the latency distribution of the charted vectors since start (or the last reset): log-spaced bins
// on a log latency axis fitted to the data (core/report/latency_plot_layout.h, shared with the reports), counts on
// a log-scaled y axis, one outline per vector. The x values are log10(ns), labelled with the layout's round ticks.
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
class QLogValueAxis;

namespace irqscope::ui {

class HistogramChart final : public QChartView
{
    Q_OBJECT
public:
    static constexpr int kBins = 160;
    static constexpr double kFloor = 0.8; // where empty bins sit on the log axis (below a count of 1)

    explicit HistogramChart(QWidget* parent = nullptr);

    void setCharted(const std::vector<uint32_t>& slots, const QStringList& names);
    // Redraws from the snapshot's histograms of the charted vectors.
    void refresh(const core::Snapshot& snapshot);
    qsizetype pointCount(int i) const;
    // What is drawn, for tests: the i-th charted vector's outline in (log10 ns, count), empty bins at kFloor; the
    // latency axis' range (log10 ns) and title; the layout it came from.
    QList<QPointF> points(int i) const;
    std::pair<double, double> latencyAxisRange() const;
    QString latencyAxisTitle() const;
    const core::LatencyHistogramLayout& layout() const { return m_layout; }

private:
    std::vector<uint32_t> m_slots;
    std::array<QLineSeries*, kMaxChartedVectors> m_series{};
    std::array<QList<QPointF>, kMaxChartedVectors> m_points;
    std::vector<const core::LatencyBuckets*> m_histograms; // the charted vectors' (null: not in the snapshot)
    core::LatencyHistogramLayout m_layout;
    QCategoryAxis* m_x = nullptr;
    QLogValueAxis* m_y = nullptr;
    double m_yMax = 0;
    QString m_xTitle;
};

} // namespace irqscope::ui

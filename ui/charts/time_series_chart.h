// TimeSeriesChart: latency (interval max, with the median dashed) or completion rate of the charted vectors
// over the last window of seconds. Series are created once and refilled with replace() from the HistoryStore,
// decimated to the plot's pixel width keeping each pixel's maximum.
#pragma once

#include "charts/chart_style.h"
#include "charts/history_store.h"

#include <QChartView>
#include <QList>
#include <QPointF>

#include <array>
#include <vector>

class QLineSeries;
class QValueAxis;

namespace irqscope::ui {

class TimeSeriesChart final : public QChartView
{
    Q_OBJECT
public:
    enum class Metric
    {
        Latency, // µs: interval max (solid) and p50 (dashed)
        Rate,    // completions per second
    };

    TimeSeriesChart(Metric metric, const HistoryStore& history, QWidget* parent = nullptr);

    // The vectors to draw (at most kMaxChartedVectors) and their legend names.
    void setCharted(const std::vector<uint32_t>& slots, const QStringList& names);
    // Redraws from the history; call after each new snapshot.
    void refresh();

    void setWindowSeconds(double seconds) { m_windowSec = seconds; }
    // Points drawn in the series of charted vector i (tests).
    qsizetype pointCount(int i) const;

private:
    Metric m_metric;
    const HistoryStore& m_history;
    double m_windowSec = 30;
    std::vector<uint32_t> m_slots;
    std::array<QLineSeries*, kMaxChartedVectors> m_main{};
    std::array<QLineSeries*, kMaxChartedVectors> m_median{}; // latency only
    std::array<QList<QPointF>, kMaxChartedVectors> m_mainPoints;
    std::array<QList<QPointF>, kMaxChartedVectors> m_medianPoints;
    QValueAxis* m_x = nullptr;
    QValueAxis* m_y = nullptr;
    double m_yMax = 0;
};

} // namespace irqscope::ui

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
    // Where the latency axis ends (µs) and its title (it names the tail folded into the last bin, if any).
    double latencyAxisEndUs() const { return m_xMax; }
    QString latencyAxisTitle() const;

private:
    std::vector<uint32_t> m_slots;
    std::array<QLineSeries*, kMaxChartedVectors> m_series{};
    std::array<QList<QPointF>, kMaxChartedVectors> m_points;
    std::vector<uint64_t> m_bins;
    std::vector<const std::vector<std::pair<int64_t, uint64_t>>*> m_pooled; // the charted vectors' histograms
    std::vector<std::pair<int64_t, uint64_t>> m_scratch;
    QValueAxis* m_x = nullptr;
    QLogValueAxis* m_y = nullptr;
    double m_xMax = 0;
    double m_yMax = 0;
    uint64_t m_beyond = 0;      // samples beyond the axis end (drawn in the last bin)
    int64_t m_beyondAxisNs = 0; // where the axis ended when they were titled
};

} // namespace irqscope::ui

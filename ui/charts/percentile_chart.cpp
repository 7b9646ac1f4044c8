// The percentile plot.
#include "charts/percentile_chart.h"

#include "charts/histogram_bins.h"

#include <QCategoryAxis>
#include <QChart>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPen>

#include <algorithm>
#include <cmath>

namespace irqscope::ui {

namespace {

constexpr double kPointsAcross = 600; // the curve keeps about this many points across the axis
// Room beyond the last decade, so that its label ("99.9%"), centred on the axis end, is not clipped.
constexpr double kEndRoom = 0.05;

} // namespace

PercentileChart::PercentileChart(QWidget* parent)
    : QChartView(new QChart, parent)
{
    styleChart(this); // theme first (see HistogramChart)
    QChart* c = chart();
    c->setTitle(QStringLiteral("Latency by percentile (since start)"));
    m_x = new QCategoryAxis;
    m_x->setTitleText(QStringLiteral("percentile"));
    m_x->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    m_y = new QCategoryAxis;
    m_y->setTitleText(QStringLiteral("latency (log scale)"));
    m_y->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    c->addAxis(m_x, Qt::AlignBottom);
    c->addAxis(m_y, Qt::AlignLeft);
    for (int i = 0; i < kMaxChartedVectors; ++i) {
        const auto n = static_cast<std::size_t>(i);
        m_series[n] = new QLineSeries(c);
        m_series[n]->setPen(QPen(seriesColor(i), kLineWidth));
        m_points[n].reserve(static_cast<qsizetype>(kPointsAcross) + 2);
        c->addSeries(m_series[n]);
        m_series[n]->attachAxis(m_x);
        m_series[n]->attachAxis(m_y);
        m_series[n]->setVisible(false);
    }
    c->legend()->setVisible(false); // the histogram beside it names the vectors in the same colours
}

void PercentileChart::setCharted(const std::vector<uint32_t>& slots, const QStringList& names)
{
    m_slots.assign(slots.begin(), slots.begin() + std::min<std::ptrdiff_t>(kMaxChartedVectors, slots.size()));
    for (int i = 0; i < kMaxChartedVectors; ++i) {
        const auto n = static_cast<std::size_t>(i);
        const bool used = n < m_slots.size();
        m_series[n]->setVisible(used);
        m_series[n]->setName(used ? names.value(i) : QString());
        if (!used)
            m_series[n]->clear();
    }
}

void PercentileChart::refresh(const core::Snapshot& snapshot)
{
    m_histograms.assign(m_slots.size(), nullptr);
    for (std::size_t n = 0; n < m_slots.size(); ++n) {
        if (const core::VectorSnapshot* v = vectorInSlot(snapshot, m_slots[n]))
            m_histograms[n] = &v->histogram;
    }
    const core::PercentileLayout layout = core::percentileLayout(m_histograms);
    for (std::size_t n = 0; n < m_slots.size(); ++n) {
        if (!layout.empty)
            percentilePoints(layout.curves[n], layout.xMax / kPointsAcross, m_points[n]);
        else
            m_points[n].resize(0);
        m_series[n]->replace(m_points[n]);
    }
    if (layout.empty)
        return;
    // The axes change only when a new decade of samples or a new minimum or maximum arrives.
    if (layout.xMax != m_xMax) {
        m_xMax = layout.xMax;
        setTicks(m_x, layout.xTicks, 0, m_xMax * (1 + kEndRoom), false);
    }
    const double lo = std::log10(layout.loNs), hi = std::log10(layout.hiNs);
    if (lo != m_yLo || hi != m_yHi) {
        m_yLo = lo;
        m_yHi = hi;
        setTicks(m_y, layout.yTicks, lo, hi, true);
    }
}

qsizetype PercentileChart::pointCount(int i) const
{
    return i >= 0 && i < kMaxChartedVectors ? m_series[static_cast<std::size_t>(i)]->count() : 0;
}

std::pair<double, double> PercentileChart::percentileAxisRange() const
{
    return {m_x->min(), m_x->max()};
}

std::pair<double, double> PercentileChart::latencyAxisRange() const
{
    return {m_y->min(), m_y->max()};
}

QStringList PercentileChart::percentileLabels() const
{
    return m_x->categoriesLabels();
}

QStringList PercentileChart::latencyLabels() const
{
    return m_y->categoriesLabels();
}

} // namespace irqscope::ui

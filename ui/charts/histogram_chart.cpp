// The latency histogram on a fitted log latency axis.
#include "charts/histogram_chart.h"

#include "charts/histogram_bins.h"
#include "report/report_charts.h"

#include <QCategoryAxis>
#include <QChart>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPen>

#include <algorithm>
#include <cmath>

namespace irqscope::ui {

namespace {

const QString kLatencyTitle = QStringLiteral("latency (log scale)");

} // namespace

HistogramChart::HistogramChart(QWidget* parent)
    : QChartView(new QChart, parent)
{
    // Theme first: setting a theme re-decorates the series already added, which replaced their colours and
    // pens with the theme's on a dark desktop.
    styleChart(this);
    QChart* c = chart();
    c->setTitle(QStringLiteral("Latency histogram (since start)"));
    m_x = new QCategoryAxis;
    m_x->setTitleText(kLatencyTitle);
    m_x->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    m_y = new QLogValueAxis;
    m_y->setTitleText(QStringLiteral("samples"));
    m_y->setBase(10);
    m_y->setLabelFormat(QStringLiteral("%g"));
    m_y->setMinorTickCount(-1);
    c->addAxis(m_x, Qt::AlignBottom);
    c->addAxis(m_y, Qt::AlignLeft);
    for (int i = 0; i < kMaxChartedVectors; ++i) {
        const auto n = static_cast<std::size_t>(i);
        m_series[n] = new QLineSeries(c);
        m_series[n]->setPen(QPen(seriesColor(i), kLineWidth));
        m_points[n].reserve(2 * kBins + 2);
        c->addSeries(m_series[n]);
        m_series[n]->attachAxis(m_x);
        m_series[n]->attachAxis(m_y);
        m_series[n]->setVisible(false);
    }
    // Until the first samples: 100 ns to 100 µs.
    setTicks(m_x, core::logLatencyTicks(100, 100'000), 2, 5, true);
    m_y->setRange(kFloor, 10);
    for (QLegendMarker* marker : c->legend()->markers())
        marker->setVisible(false);
}

void HistogramChart::setCharted(const std::vector<uint32_t>& slots, const QStringList& names)
{
    m_slots.assign(slots.begin(), slots.begin() + std::min<std::ptrdiff_t>(kMaxChartedVectors, slots.size()));
    for (int i = 0; i < kMaxChartedVectors; ++i) {
        const auto n = static_cast<std::size_t>(i);
        const bool used = n < m_slots.size();
        m_series[n]->setVisible(used);
        m_series[n]->setName(used ? names.value(i) : QString());
        if (!used)
            m_series[n]->clear();
        for (QLegendMarker* marker : chart()->legend()->markers(m_series[n]))
            marker->setVisible(used);
    }
}

void HistogramChart::refresh(const core::Snapshot& snapshot)
{
    m_histograms.assign(m_slots.size(), nullptr);
    int64_t maxNs = 0; // exact, for the title (the layout knows bucket bounds only)
    for (std::size_t n = 0; n < m_slots.size(); ++n) {
        if (const core::VectorSnapshot* v = vectorInSlot(snapshot, m_slots[n])) {
            m_histograms[n] = &v->histogram;
            maxNs = std::max(maxNs, v->latency.maxNs);
        }
    }
    // One axis for every charted vector, kept while the fit moves only a little (no twitching at 30 Hz).
    core::HistogramFit fit;
    fit.maxBins = kBins;
    fit.previous = &m_layout;
    core::LatencyHistogramLayout layout = core::latencyHistogramLayout(m_histograms, fit);
    const bool axisMoved = layout.loNs != m_layout.loNs || layout.hiNs != m_layout.hiNs;
    m_layout = std::move(layout);
    uint64_t peak = 1;
    for (std::size_t n = 0; n < kMaxChartedVectors; ++n) {
        if (n < m_slots.size() && !m_layout.empty && m_histograms[n])
            peak = std::max(peak, stepOutline(m_layout.edgesNs, m_layout.counts[n], kFloor, m_points[n]));
        else
            m_points[n].resize(0);
        if (n < m_slots.size())
            m_series[n]->replace(m_points[n]);
    }
    if (m_layout.empty)
        return;
    if (axisMoved)
        setTicks(m_x, m_layout.ticks, std::log10(m_layout.loNs), std::log10(m_layout.hiNs), true);
    // Samples beyond the fitted axis are not drawn: said on the axis (short, so that it fits a narrow plot; the
    // percentile chart and the table have them).
    QString title = kLatencyTitle;
    if (m_layout.below)
        title += QStringLiteral(" · %1 below").arg(m_layout.below);
    if (m_layout.above)
        title += QStringLiteral(" · %1 above, max %2")
                     .arg(m_layout.above)
                     .arg(QString::fromStdString(core::formatLatency(maxNs > 0 ? maxNs : m_layout.maxNs)));
    if (title != m_xTitle) {
        m_xTitle = title;
        m_x->setTitleText(title);
    }
    // Whole decades on the count axis, as in OSADL's plots.
    const double yMax = std::pow(10.0, std::ceil(std::log10(static_cast<double>(peak) * 1.5)));
    if (yMax != m_yMax) {
        m_yMax = yMax;
        m_y->setRange(kFloor, m_yMax);
    }
}

QList<QPointF> HistogramChart::points(int i) const
{
    return i >= 0 && i < kMaxChartedVectors ? m_series[static_cast<std::size_t>(i)]->points() : QList<QPointF>{};
}

std::pair<double, double> HistogramChart::latencyAxisRange() const
{
    return {m_x->min(), m_x->max()};
}

QString HistogramChart::latencyAxisTitle() const
{
    return m_x->titleText();
}

qsizetype HistogramChart::pointCount(int i) const
{
    return i >= 0 && i < kMaxChartedVectors ? m_series[static_cast<std::size_t>(i)]->count() : 0;
}

} // namespace irqscope::ui

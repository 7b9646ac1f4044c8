// The OSADL-style latency histogram.
#include "charts/histogram_chart.h"

#include "charts/histogram_bins.h"

#include <QChart>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPen>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace irqscope::ui {

HistogramChart::HistogramChart(QWidget* parent)
    : QChartView(new QChart, parent)
{
    // Theme first: setting a theme re-decorates the series already added, which replaced their colours and
    // pens with the theme's on a dark desktop.
    styleChart(this);
    QChart* c = chart();
    c->setTitle(QStringLiteral("Latency histogram (since start)"));
    m_x = new QValueAxis;
    m_x->setTitleText(QStringLiteral("latency (µs)"));
    m_x->setLabelFormat(QStringLiteral("%g"));
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
    m_x->setRange(0, 100);
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
    // One x range for every charted vector: up to the largest maximum among them, or, when that maximum is an
    // outlier, up to 4x their pooled p99.9 with the tail in the last bin (said on the axis).
    std::array<const core::VectorSnapshot*, kMaxChartedVectors> found{};
    int64_t maxNs = 0;
    m_pooled.clear();
    for (std::size_t n = 0; n < m_slots.size(); ++n) {
        const auto it = std::lower_bound(snapshot.vectors.begin(), snapshot.vectors.end(), m_slots[n],
                                         [](const core::VectorSnapshot& v, uint32_t slot) { return v.slot < slot; });
        if (it != snapshot.vectors.end() && it->slot == m_slots[n]) {
            found[n] = &*it;
            maxNs = std::max(maxNs, it->latency.maxNs);
            m_pooled.push_back(&it->histogram);
        }
    }
    // A 1-2-5 axis end, so the tick labels are round numbers; bins of a 1-2-5 width fill it exactly.
    const int64_t axisNs = histogramAxisNs(maxNs, pooledPercentileNs(m_pooled, 0.999, m_scratch));
    const int64_t binWidth = niceBinWidth(axisNs, kBins);
    const int bins = static_cast<int>(axisNs / binWidth);
    uint64_t peak = 1;
    uint64_t beyond = 0;
    for (std::size_t n = 0; n < m_slots.size(); ++n) {
        if (found[n] && !found[n]->histogram.empty()) {
            rebin(found[n]->histogram, binWidth, bins, m_bins);
            peak = std::max(peak, stepOutline(m_bins, binWidth, kFloor, m_points[n]));
            for (auto it = found[n]->histogram.rbegin(); it != found[n]->histogram.rend() && it->first >= axisNs; ++it)
                beyond += it->second;
        } else {
            m_points[n].resize(0);
        }
        m_series[n]->replace(m_points[n]);
    }
    const double xMax = static_cast<double>(bins) * static_cast<double>(binWidth) / 1e3;
    if (xMax != m_xMax) {
        m_xMax = xMax;
        m_x->setRange(0, m_xMax);
        m_x->setTickCount(6);
    }
    if (beyond != m_beyond || (beyond && axisNs != m_beyondAxisNs)) {
        m_beyond = beyond;
        m_beyondAxisNs = axisNs;
        // Short, so it fits under a narrow plot; the table has the maximum.
        m_x->setTitleText(beyond ? QStringLiteral("latency (µs) · %1 over %2 µs in last bin")
                                       .arg(beyond)
                                       .arg(static_cast<double>(axisNs) / 1e3)
                                 : QStringLiteral("latency (µs)"));
    }
    // Whole decades on the count axis, as in OSADL's plots.
    const double yMax = std::pow(10.0, std::ceil(std::log10(static_cast<double>(peak) * 1.5)));
    if (yMax != m_yMax) {
        m_yMax = yMax;
        m_y->setRange(kFloor, m_yMax);
    }
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

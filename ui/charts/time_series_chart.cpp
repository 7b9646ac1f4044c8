// Latency-over-time and rate-over-time charts.
#include "charts/time_series_chart.h"

#include "charts/max_decimator.h"

#include <QChart>
#include <QLegend>
#include <QLineSeries>
#include <QPen>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <optional>

namespace irqscope::ui {

namespace {

// 1-2-5 rounding up, for an axis maximum that does not jitter every frame.
double niceCeil(double value)
{
    if (!(value > 0))
        return 1;
    const double decade = std::pow(10.0, std::floor(std::log10(value)));
    for (double step : {1.0, 2.0, 5.0, 10.0}) {
        if (step * decade >= value)
            return step * decade;
    }
    return 10 * decade;
}

} // namespace

TimeSeriesChart::TimeSeriesChart(Metric metric, const HistoryStore& history, QWidget* parent)
    : QChartView(new QChart, parent)
    , m_metric(metric)
    , m_history(history)
{
    // Theme first: setting a theme re-decorates the series already added, which replaced their colours and
    // pens with the theme's on a dark desktop.
    styleChart(this);
    QChart* c = chart();
    c->setTitle(metric == Metric::Latency ? QStringLiteral("Latency per snapshot (max, median dashed)")
                                          : QStringLiteral("Completion rate"));
    m_x = new QValueAxis;
    m_x->setTitleText(QStringLiteral("time (s)"));
    m_x->setLabelFormat(QStringLiteral("%.0f"));
    // Ticks on whole multiples of 5 s that slide with the window, not at fractions of it.
    m_x->setTickType(QValueAxis::TicksDynamic);
    m_x->setTickAnchor(0);
    m_x->setTickInterval(5);
    m_y = new QValueAxis;
    m_y->setTitleText(metric == Metric::Latency ? QStringLiteral("latency (µs)") : QStringLiteral("per second"));
    m_y->setLabelFormat(QStringLiteral("%g"));
    c->addAxis(m_x, Qt::AlignBottom);
    c->addAxis(m_y, Qt::AlignLeft);
    for (int i = 0; i < kMaxChartedVectors; ++i) {
        const auto n = static_cast<std::size_t>(i);
        m_main[n] = new QLineSeries(c);
        m_main[n]->setPen(QPen(seriesColor(i), kLineWidth));
        m_mainPoints[n].reserve(4096);
        c->addSeries(m_main[n]);
        m_main[n]->attachAxis(m_x);
        m_main[n]->attachAxis(m_y);
        m_main[n]->setVisible(false);
        if (metric == Metric::Latency) {
            m_median[n] = new QLineSeries(c);
            m_median[n]->setPen(QPen(seriesColor(i), kLineWidth, Qt::DashLine));
            m_medianPoints[n].reserve(4096);
            c->addSeries(m_median[n]);
            m_median[n]->attachAxis(m_x);
            m_median[n]->attachAxis(m_y);
            m_median[n]->setVisible(false);
        }
    }
    m_x->setRange(-m_windowSec, 0);
    m_y->setRange(0, 1);
    c->legend()->hide(); // the histogram's legend names the colours, which every chart shares
}

void TimeSeriesChart::setCharted(const std::vector<uint32_t>& slots, const QStringList& names)
{
    m_slots.assign(slots.begin(), slots.begin() + std::min<std::ptrdiff_t>(kMaxChartedVectors, slots.size()));
    for (int i = 0; i < kMaxChartedVectors; ++i) {
        const auto n = static_cast<std::size_t>(i);
        const bool used = n < m_slots.size();
        m_main[n]->setVisible(used);
        m_main[n]->setName(used ? names.value(i) : QString());
        if (!used)
            m_main[n]->clear();
        if (m_median[n]) {
            m_median[n]->setVisible(used);
            if (!used)
                m_median[n]->clear();
        }
    }
}

void TimeSeriesChart::refresh()
{
    // The window grows from 10 s to its full length as the run ages, so a young run is not squeezed to the left.
    const double latest = m_history.latestSec();
    const double span = std::clamp(latest, std::min(10.0, m_windowSec), m_windowSec);
    const double t1 = std::max(latest, span);
    const double t0 = t1 - span;
    const int columns = std::max(16, static_cast<int>(chart()->plotArea().width()));
    double peak = 0;
    for (std::size_t n = 0; n < m_slots.size(); ++n) {
        const TickRing* ring = m_history.ring(m_slots[n]);
        MaxDecimator main(t0, t1, columns, m_mainPoints[n]);
        std::optional<MaxDecimator> median;
        if (m_median[n])
            median.emplace(t0, t1, columns, m_medianPoints[n]);
        if (ring) {
            for (std::size_t i = 0; i < ring->size(); ++i) {
                const TickPoint& p = ring->at(i);
                if (m_metric == Metric::Latency) {
                    main.add(p.tSec, p.maxUs);
                    median->add(p.tSec, p.p50Us);
                } else {
                    main.add(p.tSec, p.rateHz);
                }
            }
        }
        peak = std::max(peak, main.finish());
        m_main[n]->replace(m_mainPoints[n]);
        if (median) {
            median->finish();
            m_median[n]->replace(m_medianPoints[n]);
        }
    }
    m_x->setRange(t0, t1);
    // Grow at once, shrink only when the data fell well below the axis (no jitter).
    const double wanted = niceCeil(peak * 1.1);
    if (wanted > m_yMax || wanted < m_yMax / 4) {
        m_yMax = wanted;
        m_y->setRange(0, m_yMax);
    }
}

qsizetype TimeSeriesChart::pointCount(int i) const
{
    return i >= 0 && i < kMaxChartedVectors ? m_main[static_cast<std::size_t>(i)]->count() : 0;
}

} // namespace irqscope::ui

// Per-pixel maximum decimation for the time charts.
#include "charts/max_decimator.h"

#include <algorithm>
#include <cmath>

namespace irqscope::ui {

MaxDecimator::MaxDecimator(double t0, double t1, int columns, QList<QPointF>& out)
    : m_t0(t0)
    , m_scale(t1 > t0 ? std::max(columns, 1) / (t1 - t0) : 0)
    , m_columns(std::max(columns, 1))
    , m_out(out)
{
    m_out.resize(0); // keeps the capacity reserved by the owner
}

void MaxDecimator::add(double t, double value)
{
    if (t < m_t0 || !(value >= 0))
        return;
    const int column = std::min(static_cast<int>(std::floor((t - m_t0) * m_scale)), m_columns - 1);
    if (column != m_column) {
        flush();
        m_column = column;
        m_best = QPointF(t, value);
        return;
    }
    if (value > m_best.y())
        m_best = QPointF(t, value);
}

void MaxDecimator::flush()
{
    if (m_column < 0)
        return;
    m_out.append(m_best);
    m_peak = std::max(m_peak, m_best.y());
}

double MaxDecimator::finish()
{
    flush();
    m_column = -1;
    return m_peak;
}

} // namespace irqscope::ui

// MaxDecimator: reduces a time series to one point per pixel column, keeping each column's maximum (at the time
// it happened), so a one-tick latency spike survives any zoom level (heaptrack keeps the max the same way).
#pragma once

#include <QList>
#include <QPointF>

namespace irqscope::ui {

class MaxDecimator
{
public:
    // Points with t in [t0, t1] go to `out` (cleared first, capacity kept), at most `columns` of them.
    MaxDecimator(double t0, double t1, int columns, QList<QPointF>& out);
    // Points must come in ascending t.
    void add(double t, double value);
    // Writes the last column; returns the largest value kept (or 0).
    double finish();

private:
    void flush();

    double m_t0;
    double m_scale; // columns per unit of t
    int m_columns;
    QList<QPointF>& m_out;
    int m_column = -1;
    QPointF m_best;
    double m_peak = 0;
};

} // namespace irqscope::ui

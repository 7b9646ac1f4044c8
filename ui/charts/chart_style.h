// Chart look shared by every chart: the platform palette's colours (so a dark desktop gets dark charts), no
// animations (they cost a frame at 30 Hz), and one stable colour per charted vector.
#pragma once

#include <QColor>

class QChart;
class QChartView;

namespace irqscope::ui {

inline constexpr int kMaxChartedVectors = 8;

// The i-th charted vector's colour (same in every chart).
QColor seriesColor(int i);
// Applies the palette, fonts and render settings to a view and its chart.
void styleChart(QChartView* view);

} // namespace irqscope::ui

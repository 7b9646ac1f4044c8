// Chart look shared by every chart: the platform palette's colours (so a dark desktop gets dark charts), no
// animations (they cost a frame at 30 Hz), and one stable colour per charted vector.
#pragma once

#include <QColor>

class QChart;
class QChartView;

namespace irqscope::ui {

inline constexpr int kMaxChartedVectors = 8;
// Series pen width: at most 1 px the raster engine draws a line with its cosmetic stroker; any wider (1.5 was) it
// builds and fills a stroke outline per segment, about half of the charts' paint time at 30 Hz (perf, gui_load).
inline constexpr double kLineWidth = 1.0;

// The i-th charted vector's colour (same in every chart).
QColor seriesColor(int i);
// Applies the palette, fonts and render settings to a view and its chart.
void styleChart(QChartView* view);

} // namespace irqscope::ui

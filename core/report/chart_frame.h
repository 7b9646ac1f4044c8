// The frame every report chart shares: title, axis labels, plot area, border, the vector legend, the "no data"
// text, and round linear ticks.
#pragma once

#include "report/chart_canvas.h"
#include "report/report_charts.h"

#include <string>

namespace irqscope::core {

// Margins around the plot area inside a chart's box; the right one holds the legend.
inline constexpr double kChartLeft = 64, kChartRight = 118, kChartTop = 26, kChartBottom = 38;

struct Plot
{
    double x0, y0, x1, y1; // plot area: (x0, y0) top left
    double w() const { return x1 - x0; }
    double h() const { return y1 - y0; }
};

// A 1-2-5 step that splits `range` into about `ticks` parts.
double niceStep(double range, int ticks);
// A tick number: integers as such, others with two significant digits.
std::string tickNumber(double v);

// Draws the title and axis labels; returns the plot area.
Plot chartFrame(Canvas& c, ChartBox box, const std::string& title, const std::string& xLabel,
                const std::string& yLabel);
void chartBorder(Canvas& c, const Plot& p);
// One colour swatch and name per vector, right of the plot (the first 16).
void chartLegend(Canvas& c, ChartBox box, const ReportInput& input);
void chartEmpty(Canvas& c, const Plot& p, const char* what);

} // namespace irqscope::core

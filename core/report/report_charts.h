// Report charts drawn on any Canvas: the latency histogram (log latency axis fitted to the data, log count axis,
// one curve per vector) and the percentile plot (latency_charts.cpp, laid out by latency_plot_layout.h), latency
// and completion rate per second over time, and the per-vector mask-state and error timeline.
#pragma once

#include "report/chart_canvas.h"
#include "report/report_input.h"

namespace irqscope::core {

struct ChartBox
{
    double x = 0, y = 0, w = 0, h = 0;
};

void drawLatencyHistogram(Canvas& canvas, ChartBox box, const ReportInput& input);
void drawLatencyPercentiles(Canvas& canvas, ChartBox box, const ReportInput& input);
void drawLatencyOverTime(Canvas& canvas, ChartBox box, const ReportInput& input);
void drawRateOverTime(Canvas& canvas, ChartBox box, const ReportInput& input);
void drawTimeline(Canvas& canvas, ChartBox box, const ReportInput& input);
// The height drawTimeline needs for the input's vectors.
double timelineHeight(const ReportInput& input);

// "12.3 µs", "1.25 ms": the latency format every report uses.
std::string formatLatency(int64_t ns);

} // namespace irqscope::core

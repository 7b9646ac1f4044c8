// The report's latency distribution charts: the histogram on a fitted log latency axis and the percentile plot,
// both laid out by latencyHistogramLayout() / percentileLayout() (the dashboard uses the same layouts).
#include "report/chart_frame.h"
#include "report/latency_plot_layout.h"
#include "report/report_charts.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace irqscope::core {

namespace {

std::vector<const LatencyBuckets*> histogramsOf(const ReportInput& input)
{
    std::vector<const LatencyBuckets*> out;
    for (const auto& v : input.snapshot.vectors)
        out.push_back(&v.histogram);
    return out;
}

// Vertical grid lines and labels of a latency axis along x.
void latencyXAxis(Canvas& c, const Plot& p, const std::vector<AxisTick>& ticks, double lo, double hi)
{
    for (const auto& t : ticks) {
        const double x = p.x0 + (std::log10(t.value) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) * p.w();
        c.line(x, p.y0, x, p.y1, kGrid, 0.5);
        c.text(x, p.y1 + 13, t.label, 9, kMuted, Anchor::Middle);
    }
}

std::string cutNote(const LatencyHistogramLayout& l, const ReportInput& input)
{
    int64_t maxNs = 0; // exact (the layout knows bucket bounds only)
    for (const auto& v : input.snapshot.vectors)
        maxNs = std::max(maxNs, v.latency.maxNs);
    std::string note;
    if (l.below)
        note += fmt::format(" · {} below {}", l.below, latencyTickLabel(l.loNs));
    if (l.above)
        note += fmt::format(" · {} above {} (max {})", l.above, latencyTickLabel(l.hiNs),
                            formatLatency(maxNs > 0 ? maxNs : l.maxNs));
    if (!note.empty())
        note += ": in the percentile plot";
    return note;
}

} // namespace

void drawLatencyHistogram(Canvas& c, ChartBox box, const ReportInput& input)
{
    const LatencyHistogramLayout l = latencyHistogramLayout(histogramsOf(input));
    Plot p = chartFrame(c, box, "Latency histogram (log latency, log count, one curve per vector)",
                        "latency (log scale)" + cutNote(l, input), "samples");
    chartBorder(c, p);
    chartLegend(c, box, input);
    if (l.empty) {
        chartEmpty(c, p, "no latency samples");
        return;
    }
    const int decades =
        std::max(1, static_cast<int>(std::ceil(std::log10(static_cast<double>(std::max<uint64_t>(l.peak, 1))) + 1e-9)));
    // The count axis starts at 0.5 so that a single sample (often the one that matters) stands off the baseline.
    const double base = std::log10(0.5);
    const auto yOf = [&](uint64_t n) {
        if (n == 0)
            return p.y1;
        return p.y1 - (std::log10(static_cast<double>(n)) - base) / (decades - base) * p.h();
    };
    for (int d = 0; d <= decades; ++d) {
        const double y = p.y1 - (d - base) / (decades - base) * p.h();
        c.line(p.x0, y, p.x1, y, kGrid, 0.5);
        c.text(p.x0 - 5, y + 3, d <= 6 ? tickNumber(std::pow(10.0, d)) : fmt::format("1e{}", d), 9, kMuted,
               Anchor::End);
    }
    latencyXAxis(c, p, l.ticks, l.loNs, l.hiNs);
    const std::size_t bins = l.bins();
    for (std::size_t i = 0; i < l.counts.size(); ++i) {
        std::vector<std::pair<double, double>> pts;
        pts.reserve(2 * bins);
        for (std::size_t b = 0; b < bins; ++b) {
            const double y = yOf(l.counts[i][b]);
            pts.emplace_back(p.x0 + l.fraction(l.edgesNs[b]) * p.w(), y);
            pts.emplace_back(p.x0 + l.fraction(l.edgesNs[b + 1]) * p.w(), y);
        }
        c.polyline(pts, seriesColor(i), 1.0);
    }
    const double binPercent = (l.edgesNs[1] / l.edgesNs[0] - 1) * 100;
    c.text(p.x1 - 4, p.y0 + 12, fmt::format("{} bins, each {:.2g} % wide", bins, binPercent), 9, kMuted, Anchor::End);
}

void drawLatencyPercentiles(Canvas& c, ChartBox box, const ReportInput& input)
{
    const PercentileLayout l = percentileLayout(histogramsOf(input));
    Plot p = chartFrame(c, box, "Latency by percentile (log latency, one curve per vector)", "percentile", "latency");
    chartBorder(c, p);
    chartLegend(c, box, input);
    if (l.empty) {
        chartEmpty(c, p, "no latency samples");
        return;
    }
    for (const auto& t : l.yTicks) {
        const double y = p.y1 - l.yFraction(t.value) * p.h();
        c.line(p.x0, y, p.x1, y, kGrid, 0.5);
        c.text(p.x0 - 5, y + 3, t.label, 9, kMuted, Anchor::End);
    }
    for (const auto& t : l.xTicks) {
        const double x = p.x0 + t.value / l.xMax * p.w();
        c.line(x, p.y0, x, p.y1, kGrid, 0.5);
        c.text(x, p.y1 + 13, t.label, 9, kMuted, Anchor::Middle);
    }
    for (std::size_t i = 0; i < l.curves.size(); ++i) {
        std::vector<std::pair<double, double>> pts;
        pts.reserve(l.curves[i].size());
        for (const auto& [x, ns] : l.curves[i])
            pts.emplace_back(p.x0 + x / l.xMax * p.w(), p.y1 - l.yFraction(ns) * p.h());
        c.polyline(pts, seriesColor(i), 1.2);
    }
}

} // namespace irqscope::core

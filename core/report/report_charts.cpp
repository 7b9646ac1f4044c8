// Report charts over time: per-second latency and rate series, and the mask-state and error bands. The latency
// distribution charts are in latency_charts.cpp.
#include "report/report_charts.h"

#include "report/chart_frame.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace irqscope::core {

namespace {

constexpr double kMinCoverage = 0.2; // a last second shorter than this is not plotted

void linearXAxis(Canvas& c, const Plot& p, double max, const char* suffix = "")
{
    const double step = niceStep(max, 8);
    for (double v = 0; v <= max * 1.0001; v += step) {
        const double x = p.x0 + v / max * p.w();
        c.line(x, p.y0, x, p.y1, kGrid, 0.5);
        c.text(x, p.y1 + 13, tickNumber(v) + suffix, 9, kMuted, Anchor::Middle);
    }
}

void linearYAxis(Canvas& c, const Plot& p, double max)
{
    const double step = niceStep(max, 5);
    for (double v = 0; v <= max * 1.0001; v += step) {
        const double y = p.y1 - v / max * p.h();
        c.line(p.x0, y, p.x1, y, kGrid, 0.5);
        c.text(p.x0 - 5, y + 3, tickNumber(v), 9, kMuted, Anchor::End);
    }
}

double durationSeconds(const ReportInput& input)
{
    if (input.snapshot.elapsedSec > 0)
        return input.snapshot.elapsedSec;
    return std::max(1.0, input.collector ? static_cast<double>(input.collector->seconds()) : 0.0);
}

// Per-second series of each vector, as polylines over [0, seconds].
// `value(point, coverage)`: the second's value, where coverage is the part of that second inside the run (the last
// second is usually partial; a rate must be divided by it).
template<typename Value>
void seriesChart(Canvas& c, ChartBox box, const ReportInput& input, const std::string& title, const std::string& yLabel,
                 double yScale, Value value)
{
    const double seconds = durationSeconds(input);
    Plot p = chartFrame(c, box, title, "time (s)", yLabel);
    double max = 0;
    const auto& vs = input.snapshot.vectors;
    for (const auto& v : vs) {
        if (const auto* d = input.collector ? input.collector->vector(v.slot) : nullptr) {
            for (std::size_t s = 0; s < d->seconds.size(); ++s) {
                const double coverage = std::min(1.0, seconds - static_cast<double>(s));
                if (coverage >= kMinCoverage)
                    max = std::max(max, value(d->seconds[s], coverage) / yScale);
            }
        }
    }
    chartBorder(c, p);
    chartLegend(c, box, input);
    if (max <= 0) {
        chartEmpty(c, p, "no samples");
        return;
    }
    max = niceStep(max, 5) * std::ceil(max / niceStep(max, 5));
    linearXAxis(c, p, seconds);
    linearYAxis(c, p, max);
    for (std::size_t i = 0; i < vs.size(); ++i) {
        const auto* d = input.collector ? input.collector->vector(vs[i].slot) : nullptr;
        if (!d)
            continue;
        std::vector<std::pair<double, double>> pts;
        for (std::size_t s = 0; s < d->seconds.size(); ++s) {
            const double coverage = std::min(1.0, seconds - static_cast<double>(s));
            if (coverage < kMinCoverage)
                continue; // a sliver of a second after the end: the drain at stop, not a rate
            const double t = static_cast<double>(s) + coverage / 2;
            pts.emplace_back(p.x0 + t / seconds * p.w(), p.y1 - value(d->seconds[s], coverage) / yScale / max * p.h());
        }
        if (pts.size() == 1)
            c.rect(pts[0].first - 2, pts[0].second - 2, 4, 4, seriesColor(i), std::nullopt);
        c.polyline(pts, seriesColor(i), 1.2);
    }
}

} // namespace

std::string formatLatency(int64_t ns)
{
    if (ns < 1000)
        return fmt::format("{} ns", ns);
    if (ns < 1'000'000)
        return fmt::format("{:.{}f} µs", ns / 1e3, ns < 100'000 ? 2 : 1);
    if (ns < 1'000'000'000)
        return fmt::format("{:.{}f} ms", ns / 1e6, ns < 100'000'000 ? 2 : 1);
    return fmt::format("{:.2f} s", ns / 1e9);
}

void drawLatencyOverTime(Canvas& c, ChartBox box, const ReportInput& input)
{
    seriesChart(c, box, input, "Latency over time (maximum per second)", "max latency (µs)", 1e3,
                [](const SecondPoint& s, double) { return static_cast<double>(s.maxNs); });
}

void drawRateOverTime(Canvas& c, ChartBox box, const ReportInput& input)
{
    seriesChart(c, box, input, "Completion rate over time", "completions/s", 1.0,
                [](const SecondPoint& s, double coverage) { return static_cast<double>(s.completions) / coverage; });
}

double timelineHeight(const ReportInput& input)
{
    return kChartTop + kChartBottom + 24 +
           16.0 * static_cast<double>(std::max<std::size_t>(1, input.snapshot.vectors.size()));
}

void drawTimeline(Canvas& c, ChartBox box, const ReportInput& input)
{
    const double seconds = durationSeconds(input);
    Plot p = chartFrame(c, box, "Mask state and errors over time", "time (s)", "");
    p.y1 -= 20; // legend row below the axis labels
    const auto& vs = input.snapshot.vectors;
    const double row = p.h() / static_cast<double>(std::max<std::size_t>(1, vs.size()));
    const int64_t origin = input.collector ? input.collector->config().originNs : 0;
    const auto xOf = [&](int64_t ns) {
        const double t = std::clamp(static_cast<double>(ns - origin) / 1e9, 0.0, seconds);
        return p.x0 + t / seconds * p.w();
    };
    const Color armed{178, 223, 178}, masked{255, 193, 7}, stuck{214, 39, 40}, error{156, 0, 6};
    linearXAxis(c, p, seconds);
    chartBorder(c, p);
    for (std::size_t i = 0; i < vs.size(); ++i) {
        const double y = p.y0 + static_cast<double>(i) * row;
        c.text(p.x0 - 5, y + row / 2 + 3, vs[i].name, 9, kInk, Anchor::End);
        const auto* d = input.collector ? input.collector->vector(vs[i].slot) : nullptr;
        if (!d)
            continue;
        const double bandY = y + row * 0.2, bandH = row * 0.6;
        std::optional<int64_t> armedAt, maskedAt, stuckAt;
        const int64_t endNs = origin + static_cast<int64_t>(seconds * 1e9);
        const auto band = [&](std::optional<int64_t>& from, int64_t to, Color color, double inset) {
            if (from)
                c.rect(xOf(*from), bandY + inset, std::max(0.8, xOf(to) - xOf(*from)), bandH - 2 * inset, color,
                       std::nullopt);
            from.reset();
        };
        for (const auto& e : d->events) {
            switch (e.code) {
            case EventCode::Armed:
                if (!armedAt)
                    armedAt = e.timeNs;
                break;
            case EventCode::Disarmed:
                band(stuckAt, e.timeNs, stuck, bandH * 0.3);
                band(maskedAt, e.timeNs, masked, bandH * 0.15);
                band(armedAt, e.timeNs, armed, 0);
                break;
            case EventCode::Masked:
            case EventCode::Automasked:
                if (!maskedAt)
                    maskedAt = e.timeNs;
                break;
            case EventCode::Unmasked:
                band(maskedAt, e.timeNs, masked, bandH * 0.15);
                band(stuckAt, e.timeNs, stuck, bandH * 0.3);
                break;
            case EventCode::StuckMask:
                if (!stuckAt)
                    stuckAt = e.timeNs;
                break;
            case EventCode::Error:
                break;
            }
        }
        band(armedAt, endNs, armed, 0);
        band(maskedAt, endNs, masked, bandH * 0.15);
        band(stuckAt, endNs, stuck, bandH * 0.3);
        // Draw over the bands: misses as ticks along the top, errors as full-height marks.
        for (int64_t t : d->missTimes)
            c.line(xOf(t), y + 1, xOf(t), y + row - 1, stuck, 1.2);
        for (const auto& e : d->events) {
            if (e.code == EventCode::Error)
                c.rect(xOf(e.timeNs) - 1.5, y + 1, 3, row - 2, error, std::nullopt);
        }
        c.line(p.x0, y + row, p.x1, y + row, kGrid, 0.5);
    }
    const double ly = p.y1 + 32;
    double lx = p.x0;
    for (const auto& [color, label] : {std::pair{armed, "armed"}, std::pair{masked, "masked"},
                                       std::pair{stuck, "stuck; missed (ticks)"}, std::pair{error, "error"}}) {
        c.rect(lx, ly - 8, 12, 8, color, std::nullopt);
        c.text(lx + 16, ly, label, 9, kInk);
        lx += 40 + 6.0 * std::string(label).size();
    }
}

} // namespace irqscope::core

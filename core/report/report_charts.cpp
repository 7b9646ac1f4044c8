// Report charts: axes with round ticks, step curves, per-second series and state bands.
#include "report/report_charts.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace irqscope::core {

namespace {

constexpr double kLeft = 64, kRight = 118, kTop = 26, kBottom = 38;
constexpr std::size_t kLegendMax = 16;
constexpr double kMinCoverage = 0.2; // a last second shorter than this is not plotted

struct Plot
{
    double x0, y0, x1, y1; // plot area: (x0, y0) top left
    double w() const { return x1 - x0; }
    double h() const { return y1 - y0; }
};

double niceStep(double range, int ticks)
{
    if (!(range > 0))
        return 1;
    const double raw = range / ticks;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        if (m * mag >= raw)
            return m * mag;
    }
    return 10 * mag;
}

std::string number(double v)
{
    if (std::fabs(v - std::round(v)) < 1e-9)
        return fmt::format("{}", static_cast<int64_t>(std::llround(v)));
    return fmt::format("{:.2g}", v);
}

Plot frame(Canvas& c, ChartBox box, const std::string& title, const std::string& xLabel, const std::string& yLabel)
{
    Plot p{box.x + kLeft, box.y + kTop, box.x + box.w - kRight, box.y + box.h - kBottom};
    c.text(box.x + box.w / 2, box.y + 16, title, 12, kInk, Anchor::Middle, true);
    c.text(p.x0 + p.w() / 2, box.y + box.h - 6, xLabel, 10, kMuted, Anchor::Middle);
    c.text(box.x + 4, p.y0 - 8, yLabel, 10, kMuted, Anchor::Start);
    return p;
}

void linearXAxis(Canvas& c, const Plot& p, double max, const char* suffix = "")
{
    const double step = niceStep(max, 8);
    for (double v = 0; v <= max * 1.0001; v += step) {
        const double x = p.x0 + v / max * p.w();
        c.line(x, p.y0, x, p.y1, kGrid, 0.5);
        c.text(x, p.y1 + 13, number(v) + suffix, 9, kMuted, Anchor::Middle);
    }
}

void linearYAxis(Canvas& c, const Plot& p, double max)
{
    const double step = niceStep(max, 5);
    for (double v = 0; v <= max * 1.0001; v += step) {
        const double y = p.y1 - v / max * p.h();
        c.line(p.x0, y, p.x1, y, kGrid, 0.5);
        c.text(p.x0 - 5, y + 3, number(v), 9, kMuted, Anchor::End);
    }
}

void border(Canvas& c, const Plot& p)
{
    c.rect(p.x0, p.y0, p.w(), p.h(), std::nullopt, Color{173, 181, 189});
}

void legend(Canvas& c, ChartBox box, const ReportInput& input)
{
    const double x = box.x + box.w - kRight + 10;
    double y = box.y + kTop + 8;
    const auto& vs = input.snapshot.vectors;
    for (std::size_t i = 0; i < vs.size() && i < kLegendMax; ++i, y += 13) {
        c.rect(x, y - 8, 10, 8, seriesColor(i), std::nullopt);
        c.text(x + 14, y, vs[i].name, 9, kInk);
    }
    if (vs.size() > kLegendMax)
        c.text(x, y, fmt::format("+{} more", vs.size() - kLegendMax), 9, kMuted);
}

void empty(Canvas& c, const Plot& p, const char* what)
{
    c.text(p.x0 + p.w() / 2, p.y0 + p.h() / 2, what, 11, kMuted, Anchor::Middle);
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
    Plot p = frame(c, box, title, "time (s)", yLabel);
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
    border(c, p);
    legend(c, box, input);
    if (max <= 0) {
        empty(c, p, "no samples");
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

void drawLatencyHistogram(Canvas& c, ChartBox box, const ReportInput& input)
{
    Plot p =
        frame(c, box, "Latency histogram (OSADL style: log count, one curve per vector)", "latency (µs)", "samples");
    border(c, p);
    legend(c, box, input);
    const auto& vs = input.snapshot.vectors;
    int64_t maxNs = 0;
    for (const auto& v : vs)
        maxNs = std::max(maxNs, v.latency.maxNs);
    if (maxNs <= 0) {
        empty(c, p, "no latency samples");
        return;
    }
    // Display bins: a round width of at least 1 µs, about 200 of them up to the largest latency.
    const double binUs = std::max(1.0, niceStep(maxNs / 1e3, 200));
    const double rangeUs = binUs * (std::floor(maxNs / 1e3 / binUs) + 1);
    const std::size_t bins = static_cast<std::size_t>(std::llround(rangeUs / binUs));
    std::vector<std::vector<uint64_t>> counts(vs.size(), std::vector<uint64_t>(bins, 0));
    uint64_t maxCount = 1;
    for (std::size_t i = 0; i < vs.size(); ++i) {
        for (const auto& [lower, n] : vs[i].histogram) {
            const auto b = std::min<std::size_t>(bins - 1, static_cast<std::size_t>(lower / 1e3 / binUs));
            counts[i][b] += n;
            maxCount = std::max(maxCount, counts[i][b]);
        }
    }
    const int decades = std::max(1, static_cast<int>(std::ceil(std::log10(static_cast<double>(maxCount)) + 1e-9)));
    // The axis starts at 0.5 so that a single sample (often the one that matters) stands off the baseline.
    const double base = std::log10(0.5);
    const auto yOf = [&](uint64_t n) {
        if (n == 0)
            return p.y1;
        return p.y1 - (std::log10(static_cast<double>(n)) - base) / (decades - base) * p.h();
    };
    for (int d = 0; d <= decades; ++d) {
        const double y = p.y1 - (d - base) / (decades - base) * p.h();
        c.line(p.x0, y, p.x1, y, kGrid, 0.5);
        c.text(p.x0 - 5, y + 3, d <= 6 ? number(std::pow(10.0, d)) : fmt::format("1e{}", d), 9, kMuted, Anchor::End);
    }
    linearXAxis(c, p, rangeUs);
    for (std::size_t i = 0; i < vs.size(); ++i) {
        std::vector<std::pair<double, double>> pts;
        for (std::size_t b = 0; b < bins; ++b) {
            const double y = yOf(counts[i][b]);
            pts.emplace_back(p.x0 + static_cast<double>(b) / bins * p.w(), y);
            pts.emplace_back(p.x0 + static_cast<double>(b + 1) / bins * p.w(), y);
        }
        c.polyline(pts, seriesColor(i), 1.0);
    }
    c.text(p.x1 - 4, p.y0 + 12, fmt::format("bin {} µs", number(binUs)), 9, kMuted, Anchor::End);
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
    return kTop + kBottom + 24 + 16.0 * static_cast<double>(std::max<std::size_t>(1, input.snapshot.vectors.size()));
}

void drawTimeline(Canvas& c, ChartBox box, const ReportInput& input)
{
    const double seconds = durationSeconds(input);
    Plot p = frame(c, box, "Mask state and errors over time", "time (s)", "");
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
    border(c, p);
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

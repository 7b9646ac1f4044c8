// The report charts' shared frame.
#include "report/chart_frame.h"

#include <cmath>
#include <fmt/format.h>

namespace irqscope::core {

namespace {

constexpr std::size_t kLegendMax = 16;

} // namespace

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

std::string tickNumber(double v)
{
    if (std::fabs(v - std::round(v)) < 1e-9)
        return fmt::format("{}", static_cast<int64_t>(std::llround(v)));
    return fmt::format("{:.2g}", v);
}

Plot chartFrame(Canvas& c, ChartBox box, const std::string& title, const std::string& xLabel, const std::string& yLabel)
{
    Plot p{box.x + kChartLeft, box.y + kChartTop, box.x + box.w - kChartRight, box.y + box.h - kChartBottom};
    c.text(box.x + box.w / 2, box.y + 16, title, 12, kInk, Anchor::Middle, true);
    c.text(p.x0 + p.w() / 2, box.y + box.h - 6, xLabel, 10, kMuted, Anchor::Middle);
    c.text(box.x + 4, p.y0 - 8, yLabel, 10, kMuted, Anchor::Start);
    return p;
}

void chartBorder(Canvas& c, const Plot& p)
{
    c.rect(p.x0, p.y0, p.w(), p.h(), std::nullopt, Color{173, 181, 189});
}

void chartLegend(Canvas& c, ChartBox box, const ReportInput& input)
{
    const double x = box.x + box.w - kChartRight + 10;
    double y = box.y + kChartTop + 8;
    const auto& vs = input.snapshot.vectors;
    for (std::size_t i = 0; i < vs.size() && i < kLegendMax; ++i, y += 13) {
        c.rect(x, y - 8, 10, 8, seriesColor(i), std::nullopt);
        c.text(x + 14, y, vs[i].name, 9, kInk);
    }
    if (vs.size() > kLegendMax)
        c.text(x, y, fmt::format("+{} more", vs.size() - kLegendMax), 9, kMuted);
}

void chartEmpty(Canvas& c, const Plot& p, const char* what)
{
    c.text(p.x0 + p.w() / 2, p.y0 + p.h() / 2, what, 11, kMuted, Anchor::Middle);
}

} // namespace irqscope::core

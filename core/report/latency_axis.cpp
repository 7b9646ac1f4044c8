// Log latency axis ticks: the richest round series that fits the span.
#include "report/latency_axis.h"

#include <cmath>
#include <fmt/format.h>
#include <initializer_list>

namespace irqscope::core {

namespace {

// Values m x 10^k (m from `mantissas`, k every `decadeStep` decades) inside [lo, hi].
std::vector<double> decadeSeries(double lo, double hi, std::initializer_list<double> mantissas, int decadeStep = 1)
{
    std::vector<double> out;
    const int first = static_cast<int>(std::floor(std::log10(lo)));
    const int last = static_cast<int>(std::ceil(std::log10(hi)));
    for (int k = first; k <= last; ++k) {
        if (decadeStep > 1 && (k % decadeStep) != 0)
            continue;
        for (double m : mantissas) {
            const double v = m * std::pow(10.0, k);
            if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9))
                out.push_back(v);
        }
    }
    return out;
}

// Multiples of a 1-2-5 step inside [lo, hi], about `ticks` of them.
std::vector<double> linearSeries(double lo, double hi, int ticks)
{
    const double raw = (hi - lo) / ticks;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = 10 * mag;
    for (double m : {1.0, 2.0, 5.0}) {
        if (m * mag >= raw) {
            step = m * mag;
            break;
        }
    }
    std::vector<double> out;
    for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi * (1 + 1e-9); v += step)
        out.push_back(v);
    return out;
}

} // namespace

std::string latencyTickLabel(double ns)
{
    const auto scaled = [](double v, const char* unit) {
        // Three significant digits, trailing zeros dropped ("2.5", "700", "1").
        std::string text = fmt::format("{:.3g}", v);
        return text + " " + unit;
    };
    const double a = std::fabs(ns);
    if (a < 999.5)
        return scaled(ns, "ns");
    if (a < 999'500)
        return scaled(ns / 1e3, "µs");
    if (a < 999'500'000)
        return scaled(ns / 1e6, "ms");
    return scaled(ns / 1e9, "s");
}

std::vector<AxisTick> logLatencyTicks(double loNs, double hiNs, int maxTicks)
{
    std::vector<double> values;
    if (loNs > 0 && hiNs > loNs && std::isfinite(hiNs)) {
        const auto decades = decadeSeries(loNs, hiNs, {1});
        const auto oneTwoFive = decadeSeries(loNs, hiNs, {1, 2, 5});
        const auto oneToNine = decadeSeries(loNs, hiNs, {1, 2, 3, 4, 5, 6, 7, 8, 9});
        const auto fits = [maxTicks](const std::vector<double>& v, std::size_t least) {
            return v.size() >= least && static_cast<int>(v.size()) <= maxTicks;
        };
        if (fits(oneTwoFive, 4)) {
            values = oneTwoFive;
        } else if (static_cast<int>(oneTwoFive.size()) > maxTicks) {
            // Several decades: every decade, or every 2nd, 3rd, ... when there are too many.
            const int step = static_cast<int>((decades.size() + maxTicks - 1) / maxTicks);
            values = decadeSeries(loNs, hiNs, {1}, step);
        } else if (fits(oneToNine, 3)) {
            values = oneToNine; // within about a decade
        } else if (oneTwoFive.size() >= 3) {
            values = oneTwoFive;
        } else {
            values = linearSeries(loNs, hiNs, 4);
        }
    }
    std::vector<AxisTick> out;
    out.reserve(values.size());
    for (double v : values)
        out.push_back(AxisTick{v, latencyTickLabel(v)});
    return out;
}

} // namespace irqscope::core

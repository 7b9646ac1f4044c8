#include "base/duration.h"

#include "base/printable.h"
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

namespace irqscope::core {

std::optional<std::chrono::nanoseconds> parseDuration(std::string_view text, std::string& error)
{
    const std::string s(text);
    char* end = nullptr;
    const double value = std::strtod(s.c_str(), &end);
    const std::string_view unit(end);
    double scale = 0;
    if (unit.empty() || unit == "s")
        scale = 1e9;
    else if (unit == "ms")
        scale = 1e6;
    else if (unit == "us" || unit == "µs")
        scale = 1e3;
    else if (unit == "ns")
        scale = 1;
    else if (unit == "m" || unit == "min")
        scale = 60e9;
    else if (unit == "h")
        scale = 3600e9;
    if (end == s.c_str() || scale == 0 || !std::isfinite(value) || value < 0 || value * scale > 9.2e18) {
        error = fmt::format("bad duration '{}': use a number with ns, us, ms, s, m or h, e.g. 10s or 500ms",
                            printable(text));
        return std::nullopt;
    }
    return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(value * scale)));
}

std::string formatDuration(std::chrono::nanoseconds d)
{
    const double ns = static_cast<double>(d.count());
    if (ns >= 1e9)
        return fmt::format("{:.3g} s", ns / 1e9);
    return formatLatencyNs(ns);
}

std::string formatLatencyNs(double ns)
{
    if (!std::isfinite(ns))
        return "-";
    if (ns < 1e3)
        return fmt::format("{:.0f} ns", ns);
    if (ns < 1e6)
        return fmt::format("{:.3g} µs", ns / 1e3);
    if (ns < 1e9)
        return fmt::format("{:.3g} ms", ns / 1e6);
    return fmt::format("{:.3g} s", ns / 1e9);
}

} // namespace irqscope::core

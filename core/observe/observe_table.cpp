// Rendering the observer's per-vector table.
#include "observe/observe_table.h"

#include <fmt/format.h>

namespace irqscope::core {

namespace {

const char* kReset = "\033[0m";
const char* kDim = "\033[2m";
const char* kBold = "\033[1m";
const char* kYellow = "\033[33m";

std::string perCpuText(const ObservedVector& o)
{
    std::string out;
    for (const auto& [cpu, hz] : o.perCpuRateHz) {
        if (hz > 0)
            out += fmt::format("{}cpu{}:{:.0f}", out.empty() ? "" : " ", cpu, hz);
    }
    return out.empty() ? "-" : out;
}

} // namespace

std::string renderObserveTable(const Snapshot& s, const ObserveTableHeader& header, int maxRows, bool color)
{
    std::string out;
    const std::string progress = header.durationSec > 0
                                     ? fmt::format("{:.1f} / {:g} s", s.elapsedSec, header.durationSec)
                                     : fmt::format("{:.1f} s (Ctrl-C stops)", s.elapsedSec);
    const std::string owner = header.owner ? fmt::format("owned by {} (pid {})", header.owner->name, header.owner->pid)
                                           : std::string("no owner found");
    out += fmt::format("{}irqscope{} observing {} | {} | every {:g} s | {}\n", color ? kBold : "", color ? kReset : "",
                       header.device, owner, header.intervalSec, progress);
    out += fmt::format("latency: not measured (observer mode)  handler timing: {}\n", header.handlerTiming);
    out += fmt::format("{:<9} {:<6} {:>5} {:>4} {:>10} {:>9} {:>9}  {:<28} {}\n", "VECTOR", "STATE", "IRQ", "CPU",
                       "COUNT", "RATE/s", "UNHANDLED", "RATE/s PER CPU", "SINCE");
    int rows = 0;
    for (const auto& v : s.vectors) {
        if (rows == maxRows) {
            out += fmt::format("... {} more vectors (see --json for all)\n", s.vectors.size() - rows);
            break;
        }
        ++rows;
        static const ObservedVector kNotObserved; // (the observer sets `observed` on every vector)
        const ObservedVector& o = v.observed ? *v.observed : kNotObserved;
        const bool present = o.present;
        const double at = static_cast<double>((present ? o.appearedNs : o.disappearedNs) - s.engine.startedNs) / 1e9;
        const std::string since = present ? fmt::format("appeared {:.1f} s", at) : fmt::format("gone at {:.1f} s", at);
        const char* rowColor = !color ? "" : !present ? kDim : o.hostUnhandled ? kYellow : "";
        out += fmt::format("{}{:<9} {:<6} {:>5} {:>4} {:>10} {:>9} {:>9}  {:<28} {}{}\n", rowColor, v.name,
                           present ? "active" : "gone", v.hostIrq, v.hostCpu >= 0 ? std::to_string(v.hostCpu) : "-",
                           o.hostCount, present ? fmt::format("{:.0f}", o.hostRateHz) : "-", o.hostUnhandled,
                           present ? perCpuText(o) : "-", since, *rowColor ? kReset : "");
    }
    if (s.vectors.empty())
        out += "(no vfio vector yet: waiting for the owner to enable one)\n";
    return out;
}

} // namespace irqscope::core

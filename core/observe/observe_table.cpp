// Rendering the observer's per-vector table.
#include "observe/observe_table.h"

#include "observe/irq_delivery.h"

#include <fmt/format.h>

#include <algorithm>

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

bool isPosted(const ObservedVector& o)
{
    return o.delivery == ObservedDelivery::Posted || o.delivery == ObservedDelivery::LikelyPosted;
}

std::string hostRowsText(const Snapshot& s)
{
    std::string out;
    for (const char* name : {"PIN", "PIW", "PMN"}) {
        const auto row = std::find_if(s.observedHostRows.begin(), s.observedHostRows.end(),
                                      [&](const ObservedHostRow& r) { return r.name == name; });
        std::string rates;
        if (row != s.observedHostRows.end())
            for (const auto& [cpu, hz] : row->perCpuRateHz)
                if (hz > 0)
                    rates += fmt::format(" cpu{}:{:.0f}", cpu, hz);
        out += fmt::format("  {} {}", name,
                           row == s.observedHostRows.end() ? std::string("absent")
                           : rates.empty()                 ? " 0/s"
                                                           : rates);
    }
    return out;
}

} // namespace

std::string vmSummary(const std::optional<DeviceOwner>& owner)
{
    return owner && owner->vm ? vmSummary(*owner->vm) : std::string();
}

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
    if (const auto vm = vmSummary(header.owner); !vm.empty())
        out += "guest: " + vm + "\n";
    out += fmt::format("latency: not measured (observer mode)  handler timing: {}\n", header.handlerTiming);
    out += "host posted-interrupt notifications/s:" + hostRowsText(s) + "\n";
    out += fmt::format("{:<9} {:<6} {:>5} {:>4} {:>10} {:>9} {:>9}  {:<13} {:<28} {}\n", "VECTOR", "STATE", "IRQ",
                       "CPU", "COUNT", "RATE/s", "UNHANDLED", "DELIVERY", "RATE/s PER CPU", "SINCE");
    std::vector<std::pair<std::string, std::string>> reasons; // (mode: reason, vectors), in first-seen order
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
        // A posted vector never shows a rate of 0: the host cannot count it, and the reason is printed below.
        const bool posted = present && isPosted(o);
        const std::string rate = !present ? "-" : posted ? "n/a" : fmt::format("{:.0f}", o.hostRateHz);
        out += fmt::format("{}{:<9} {:<6} {:>5} {:>4} {:>10} {:>9} {:>9}  {:<13} {:<28} {}{}\n", rowColor, v.name,
                           present ? "active" : "gone", v.hostIrq, v.hostCpu >= 0 ? std::to_string(v.hostCpu) : "-",
                           o.hostCount, rate, o.hostUnhandled, present ? deliveryName(o.delivery) : "-",
                           present && !posted ? perCpuText(o) : "-", since, *rowColor ? kReset : "");
        if (present && !o.deliveryReason.empty()) {
            const std::string key = fmt::format("{}: {}", deliveryName(o.delivery), o.deliveryReason);
            auto it = std::find_if(reasons.begin(), reasons.end(), [&](const auto& r) { return r.first == key; });
            if (it == reasons.end())
                reasons.emplace_back(key, v.name);
            else
                it->second += " " + v.name;
        }
    }
    for (const auto& [reason, names] : reasons)
        out += fmt::format("  {} {}\n", names, reason);
    if (s.vectors.empty())
        out += "(no vfio vector yet: waiting for the owner to enable one)\n";
    return out;
}

} // namespace irqscope::core

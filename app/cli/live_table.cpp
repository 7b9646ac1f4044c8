#include "live_table.h"

#include "base/duration.h"
#include "engine/instrument_floor.h"
#include "report/json_report.h"

#include <fmt/format.h>

#include <algorithm>

namespace irqscope::cli {

using namespace irqscope::core;

namespace {

std::string count(uint64_t n)
{
    if (n < 100'000)
        return std::to_string(n);
    if (n < 100'000'000)
        return fmt::format("{:.1f}k", n / 1e3);
    return fmt::format("{:.1f}M", n / 1e6);
}

std::string lat(const LatencySummary& l, int64_t v)
{
    return l.count ? formatLatencyNs(static_cast<double>(v)) : "-";
}

// "FIFO 50", "RR 10", "OTHER": an IRQ thread's policy and priority in one column.
std::string threadPriority(const IrqThreadInfo& t)
{
    const std::string policy = t.policy.starts_with("SCHED_") ? t.policy.substr(6) : t.policy;
    return t.priority > 0 ? fmt::format("{} {}", policy, t.priority) : policy;
}

const char* kReset = "\033[0m";
const char* kRed = "\033[31m";
const char* kYellow = "\033[33m";
const char* kDim = "\033[2m";
const char* kBold = "\033[1m";

} // namespace

std::string renderTable(const Snapshot& s, const TableHeader& header, int maxRows, bool color)
{
    const auto& e = s.engine;
    std::string out;
    const std::string progress = header.durationSec > 0
                                     ? fmt::format("{:.1f} / {:.0f} s", s.elapsedSec, header.durationSec)
                                     : fmt::format("{:.1f} s (Ctrl-C stops)", s.elapsedSec);
    out += fmt::format("{}irqscope{} {} | trigger {} | core CPU {} {}{}{} | {}\n", color ? kBold : "",
                       color ? kReset : "", header.device, header.trigger, e.coreCpu, e.policy,
                       e.triggerCpu >= 0 ? fmt::format(", trigger CPU {}", e.triggerCpu) : std::string(),
                       e.pollerCpu >= 0 ? fmt::format(", poller CPU {}", e.pollerCpu) : std::string(), progress);
    out += fmt::format("samples {:.0f}/s  ring drops {}{}\n", s.samplesPerSec, e.ringDrops,
                       e.coreAllocationsAfterArm ? fmt::format("  core allocations {}", e.coreAllocationsAfterArm)
                                                 : std::string());
    // Host columns only on a real device (the sim has no host IRQs): IRQ, its effective CPU, and the interrupts it
    // took since arming (device-raised only: loopback triggers do not move it).
    bool host = false;
    bool threaded = false; // a host that runs the handlers in kernel threads (docs/rt-hosts.md §1)
    for (const auto& v : s.vectors) {
        host = host || v.hostIrq >= 0;
        threaded = threaded || v.irqThread.has_value();
    }
    // Delivery columns (docs/dma-triggers.md §6) only when the delivery poller watches some vector: its p50 and
    // p99 beside the round trip's.
    const bool delivery =
        std::any_of(s.vectors.begin(), s.vectors.end(), [](const VectorSnapshot& v) { return v.deliveryTracked; });
    if (!e.deliveryNote.empty())
        out += fmt::format("{}no delivery latency: {}{}\n", color ? kDim : "", e.deliveryNote, color ? kReset : "");
    const auto threadHeader = threaded ? fmt::format(" {:>7} {:>8} {:>4}", "THREAD", "PRIO", "TCPU") : std::string();
    out +=
        fmt::format("{:<9} {:<18} {:>8} {:>8} {:>6} {:>6} {:>5} {:>6} {:>5} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}{}{}\n",
                    "VECTOR", "STATE", "TRIG", "DONE", "COAL", "MISS", "INFL", "SPUR", "ERR", "RATE/s", "MIN", "P50",
                    "P99", "P99.9", "MAX", delivery ? fmt::format(" {:>9} {:>9}", "DLV P50", "DLV P99") : "",
                    host ? fmt::format(" {:>5} {:>4} {:>8}{}", "IRQ", "CPU", "HOST", threadHeader) : "");
    int rows = 0;
    for (const auto& v : s.vectors) {
        if (rows == maxRows) {
            out += fmt::format("... {} more vectors (see --json for all)\n", s.vectors.size() - rows);
            break;
        }
        ++rows;
        const auto& c = v.counters;
        const std::string state = stateText(c.state);
        const bool bad = c.missed || c.errors || c.spurious || (c.state & vstate::kStuck);
        const char* stateColor = (c.state & vstate::kStuck)                                ? kRed
                                 : (c.state & (vstate::kUserMasked | vstate::kAutomasked)) ? kYellow
                                 : !(c.state & vstate::kArmed)                             ? kDim
                                                                                           : "";
        std::string hostColumns;
        if (host)
            hostColumns = v.hostIrq < 0
                              ? fmt::format(" {:>5} {:>4} {:>8}", "-", "-", "-")
                              : fmt::format(" {:>5} {:>4} {:>8}", v.hostIrq,
                                            v.hostCpu >= 0 ? std::to_string(v.hostCpu) : "-", count(v.hostCount));
        if (host && threaded)
            hostColumns += v.irqThread
                               ? fmt::format(" {:>7} {:>8} {:>4}", v.irqThread->pid, threadPriority(*v.irqThread),
                                             v.irqThread->lastCpu >= 0 ? std::to_string(v.irqThread->lastCpu) : "-")
                               : fmt::format(" {:>7} {:>8} {:>4}", "-", "-", "-");
        const std::string deliveryColumns =
            !delivery ? std::string()
            : !v.deliveryTracked
                ? fmt::format(" {:>9} {:>9}", "-", "-")
                : fmt::format(" {:>9} {:>9}", lat(v.delivery, v.delivery.p50Ns), lat(v.delivery, v.delivery.p99Ns));
        out += fmt::format("{:<9} {}{:<18}{} {:>8} {:>8} {:>6} {}{:>6}{} {:>5} {:>6} {}{:>5}{} {:>9.0f} {:>9} {:>9} "
                           "{:>9} {:>9} {:>9}{}{}\n",
                           v.name, color ? stateColor : "", state, color && *stateColor ? kReset : "",
                           count(c.triggered), count(c.completed), count(c.coalesced), color && c.missed ? kRed : "",
                           count(c.missed), color && c.missed ? kReset : "", count(c.inFlight), count(c.spurious),
                           color && c.errors ? kRed : "", count(c.errors), color && c.errors ? kReset : "",
                           v.completionRateHz, lat(v.latency, v.latency.minNs), lat(v.latency, v.latency.p50Ns),
                           lat(v.latency, v.latency.p99Ns), lat(v.latency, v.latency.p999Ns),
                           lat(v.latency, v.latency.maxNs), deliveryColumns, hostColumns);
        if (bad && !v.lastError.empty())
            out += fmt::format("          {}↳ {}{}\n", color ? kDim : "", v.lastError, color ? kReset : "");
    }
    if (s.vectors.empty())
        out += "(no vector armed)\n";
    // What irqscope itself adds to every latency above (docs/benchmarks.md "The instrument floor"); nothing in
    // observer mode, which measures no latency.
    if (s.floor.count > 0)
        out += fmt::format(
            "{}instrument floor  p50 {}  p99 {}  max {}  (n={}, irqscope's own wake path at {:g} Hz){}\n",
            color ? kDim : "", formatLatencyNs(static_cast<double>(s.floor.p50Ns)),
            formatLatencyNs(static_cast<double>(s.floor.p99Ns)), formatLatencyNs(static_cast<double>(s.floor.maxNs)),
            count(s.floor.count), kInstrumentFloorRateHz, color ? kReset : "");
    // A rate below the one asked for, explained (docs/report-schema.md "Requested and shortfall"): whose it is.
    uint64_t requested = 0, behind = 0, skipped = 0;
    for (const auto& v : s.vectors) {
        requested += v.counters.requested;
        behind += v.counters.behind;
        skipped += v.counters.skipped;
    }
    if (behind + skipped > 0)
        out += fmt::format("{}shortfall {} of {} requested triggers: {} schedule behind (the firing thread was late), "
                           "{} window full (the device is slower than the rate){}\n",
                           color ? kYellow : "", behind + skipped, requested, behind, skipped, color ? kReset : "");
    return out;
}

} // namespace irqscope::cli

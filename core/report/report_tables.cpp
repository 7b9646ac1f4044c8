// Report text content: vector table rows and the system/configuration facts.
#include "report/report_tables.h"

#include "base/time_text.h"
#include "engine/instrument_floor.h"
#include "report/report_charts.h"

#include <fmt/format.h>

namespace irqscope::core {

std::string reportTitle(const ReportInput& input)
{
    return fmt::format("irqscope report: {}", input.snapshot.deviceId.empty() ? "?" : input.snapshot.deviceId);
}

std::string reportSubtitle(const ReportInput& input)
{
    return fmt::format("{} UTC, {:.1f} s, {} vector{}, stopped: {}", isoUtcSeconds(input.startWallNs),
                       input.snapshot.elapsedSec, input.snapshot.vectors.size(),
                       input.snapshot.vectors.size() == 1 ? "" : "s",
                       input.run.stopReason.empty() ? "-" : input.run.stopReason);
}

namespace {

// Completions (of any kind) per second over the whole run: the final snapshot's own rate covers only the last
// second, which ends after triggering stopped.
double averageRate(const VectorSnapshot& v, double seconds)
{
    const auto& c = v.counters;
    return seconds > 0 ? static_cast<double>(c.completed + c.coalesced + c.spurious + c.deviceOriginated) / seconds
                       : 0.0;
}

} // namespace

TextTable vectorTable(const ReportInput& input)
{
    TextTable t;
    // shortfall: requested triggers not fired, schedule behind + window full (docs/report-schema.md).
    t.header = {"vector", "state",     "triggered",  "completed", "coalesced", "missed", "in flight", "spurious",
                "errors", "shortfall", "avg rate/s", "min",       "p50",       "p99",    "p99.9",     "max"};
    t.numeric = {false, false, true, true, true, true, true, true, true, true, true, true, true, true, true, true};
    for (const auto& v : input.snapshot.vectors) {
        const auto& c = v.counters;
        const auto& l = v.latency;
        const auto lat = [&](int64_t ns) {
            return l.count ? formatLatency(ns) : std::string("-");
        };
        t.rows.push_back({v.name, stateText(c.state), std::to_string(c.triggered), std::to_string(c.completed),
                          std::to_string(c.coalesced), std::to_string(c.missed), std::to_string(c.inFlight),
                          std::to_string(c.spurious), std::to_string(c.errors), std::to_string(c.skipped + c.behind),
                          fmt::format("{:.0f}", averageRate(v, input.snapshot.elapsedSec)), lat(l.minNs), lat(l.p50Ns),
                          lat(l.p99Ns), lat(l.p999Ns), lat(l.maxNs)});
    }
    return t;
}

std::string instrumentFloorText(const ReportInput& input)
{
    const LatencySummary& f = input.snapshot.floor;
    if (f.count == 0)
        return {};
    return fmt::format(
        "Instrument floor: p50 {}, p99 {}, max {} ({} signals at {:g} Hz). This is irqscope's own wake "
        "path: an eventfd it signals itself from the thread that fires the triggers, read by the core "
        "thread through the same io_uring as the vectors, in the gaps of their traffic. It is what irqscope adds "
        "to a latency when the core thread wakes from idle; a vector completing while the core thread "
        "is already busy with others can come in below it.",
        formatLatency(f.p50Ns), formatLatency(f.p99Ns), formatLatency(f.maxNs), f.count, kInstrumentFloorRateHz);
}

TextTable deliveryTable(const ReportInput& input)
{
    TextTable t;
    t.header = {"vector",       "stamped round trip p50", "stamped round trip p99", "delivery samples", "unstamped",
                "delivery min", "delivery p50",           "delivery p99",           "delivery p99.9",   "delivery max"};
    t.numeric = {false, true, true, true, true, true, true, true, true, true};
    for (const auto& v : input.snapshot.vectors) {
        if (!v.deliveryTracked)
            continue;
        // The round trips of the same stamped completions ("-" when none was stamped).
        const auto& l = v.deliveryRoundTrip;
        const auto& d = v.delivery;
        const auto lat = [](const LatencySummary& s, int64_t ns) {
            return s.count ? formatLatency(ns) : std::string("-");
        };
        t.rows.push_back({v.name, lat(l, l.p50Ns), lat(l, l.p99Ns), std::to_string(d.count),
                          std::to_string(v.deliveryUnstamped), lat(d, d.minNs), lat(d, d.p50Ns), lat(d, d.p99Ns),
                          lat(d, d.p999Ns), lat(d, d.maxNs)});
    }
    return t;
}

std::string deliveryCaption(const ReportInput& input)
{
    const auto& e = input.snapshot.engine;
    if (!e.deliveryNote.empty())
        return "No delivery latency: " + e.deliveryNote + ".";
    if (e.pollerCpu < 0)
        return {};
    return fmt::format("Round trip: trigger (doorbell) to eventfd completion. Interrupt delivery: the completion "
                       "visible in memory (seen by the poller on CPU {}) to the same eventfd completion; it includes "
                       "the MSI-X write, IOMMU remapping, the host handler, the eventfd, io_uring and the wake-up. "
                       "Unstamped: completions the poller had not seen in time (counted, never estimated). The round "
                       "trip here is over the stamped completions only, the ones the delivery columns time (the "
                       "poller tends to miss the fastest, so the vector table's round trip over all can be lower).",
                       e.pollerCpu);
}

std::vector<std::pair<std::string, std::string>> systemFacts(const ReportInput& input)
{
    const auto& s = input.system;
    const auto& t = input.tuning;
    const auto& e = input.snapshot.engine;
    const auto& r = input.run;
    std::vector<std::pair<std::string, std::string>> f = {
        {"host", s.hostname},
        {"kernel", fmt::format("{} {} ({})", t.sysname, s.kernel, s.machine)},
        {"kernel build", t.kernelVersion},
        {"kernel command line", s.cmdline},
        {"CPU", fmt::format("{} ({} online)", s.cpuModel, s.cpus)},
        {"clocksource", s.clocksource},
        {"device", fmt::format("{}: {}", input.snapshot.deviceId, r.deviceDescription)},
        {"vectors", r.vectors},
        {"trigger",
         fmt::format("{} @ {:g} Hz per vector, deadline {}", r.trigger, r.rateHz, formatLatency(r.deadlineNs))},
        {"core thread",
         fmt::format("CPU {} (NUMA node {}), {}{}{}", e.coreCpu, t.numaNode, e.policy, e.mlocked ? ", mlocked" : "",
                     e.triggerCpu >= 0 ? fmt::format(", triggers from CPU {}", e.triggerCpu) : std::string())},
        {"PM QoS", fmt::format("irqscope request {}; CPU {} resume latency limit {}", e.pmQos ? "on" : "off", t.coreCpu,
                               t.resumeLatency.empty() ? "unknown" : t.resumeLatency)},
        {"governors", fmt::format("cpuidle {}, cpufreq {}", t.idleGovernor.empty() ? "-" : t.idleGovernor,
                                  t.freqGovernor.empty() ? "-" : t.freqGovernor)},
        {"RT throttling",
         t.rtRuntimeUs < 0 ? std::string("off") : fmt::format("{} µs per {} µs", t.rtRuntimeUs, t.rtPeriodUs)},
        {"samples", fmt::format("{} taken, {} lost to a full ring", e.samplesPushed, e.ringDrops)},
        {"delivery poller", e.pollerCpu >= 0         ? fmt::format("CPU {}", e.pollerCpu)
                            : e.deliveryNote.empty() ? std::string("none (no command trigger)")
                                                     : "none: " + e.deliveryNote},
        {"command line", r.commandLine},
    };
    // The host's IRQ threads, what the run changed on the host, and the set-ups that ruin a measurement
    // (docs/rt-hosts.md).
    for (const auto& v : input.snapshot.vectors) {
        if (!v.irqThread)
            continue;
        const auto& th = *v.irqThread;
        f.emplace_back(fmt::format("IRQ thread {}", v.name),
                       fmt::format("{} (pid {}), {}{}, CPUs {}, last ran on CPU {}; IRQ {} on CPU {}", th.comm, th.pid,
                                   th.policy, th.priority > 0 ? fmt::format(" {}", th.priority) : std::string(),
                                   th.affinity.empty() ? "?" : th.affinity,
                                   th.lastCpu >= 0 ? std::to_string(th.lastCpu) : "?", v.hostIrq,
                                   v.hostCpu >= 0 ? std::to_string(v.hostCpu) : "?"));
    }
    for (const auto& line : r.hostTuning)
        f.emplace_back("host tuning", line);
    for (const auto& line : r.warnings)
        f.emplace_back("warning", line);
    if (!r.simKernel.empty())
        f.insert(f.begin() + 7, {"simulation", fmt::format("kernel model {}, latency {}, faults {}", r.simKernel,
                                                           r.simLatency, r.simFaults.empty() ? "none" : r.simFaults)});
    return f;
}

} // namespace irqscope::core

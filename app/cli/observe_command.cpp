// `irqscope run --observe BDF`: the observer's command line, live view and reports.
#include "observe_command.h"

#include "base/duration.h"
#include "base/monotonic_clock.h"
#include "cli_support.h"
#include "exit_codes.h"
#include "final_output.h"
#include "metrics_server.h"
#include "observe/handler_timing.h"
#include "observe/observe_report.h"
#include "observe/observe_table.h"
#include "observe/observer.h"
#include "report/system_info.h"
#include "vfio/discovery.h"
#include "vfio/pci_ids.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <sys/ioctl.h>
#include <unistd.h>

namespace irqscope::cli {

using namespace irqscope::core;

namespace {

void excludeAll(CLI::App& run, CLI::Option* observe)
{
    const std::vector<std::string> allowed = {"--observe",  "--proc-root", "--sys-root", "--tracefs", "--duration",
                                              "--interval", "--json",      "--no-live",  "--metrics", "--help"};
    auto exclude = [&](CLI::App& app) {
        for (CLI::Option* option : app.get_options()) {
            const auto& names = option->get_lnames();
            const bool keep = std::any_of(names.begin(), names.end(), [&](const std::string& n) {
                return std::find(allowed.begin(), allowed.end(), "--" + n) != allowed.end();
            });
            if (!keep && option != observe && !names.empty())
                observe->excludes(option);
        }
    };
    exclude(run);
    for (CLI::App* group : run.get_subcommands({}))
        if (group->get_name().empty())
            exclude(*group);
}

} // namespace

void addObserveOptions(CLI::App& app, ObserveOptions& o)
{
    CLI::App* run = app.get_subcommand("run");
    CLI::Option* observe = run->add_option(
        "--observe", o.bdf,
        "Watch a device another process (a VM) owns, from /proc: per-vector host IRQ, CPU, counts and rates; "
        "nothing is armed and no latency is measured");
    run->add_option("--proc-root", o.procRoot, "procfs to read in --observe mode (a recorded tree; default /proc)")
        ->needs(observe);
    run->add_option("--sys-root", o.sysRoot,
                    "sysfs to read the device and the host's posted-interrupt facts from in --observe mode (a "
                    "recorded tree; default /sys)")
        ->needs(observe);
    run->add_option("--tracefs", o.tracefs,
                    "tracefs mount for host handler timing in --observe mode (needs write access; default "
                    "/sys/kernel/tracing)")
        ->needs(observe);
    excludeAll(*run, observe);
}

int runObserve(const ObserveOptions& observe, const RunOptions& o)
{
    std::string error;
    const auto bdf = normalizeBdf(observe.bdf);
    if (!bdf)
        return fail(kExitUsage, fmt::format("--observe '{}' is not a PCI address: use one such as 0000:01:00.0 (see "
                                            "`irqscope list`)",
                                            observe.bdf));
    const auto duration = parseDuration(o.duration, error);
    if (!duration)
        return fail(kExitUsage, "--duration: " + error);
    const auto interval = parseDuration(o.interval, error);
    if (!interval || interval->count() < 10'000'000)
        return fail(kExitUsage, "--interval: " + (interval ? std::string("must be at least 10ms") : error));

    MetricsServer metrics(ExpositionInfo{IRQSCOPE_VERSION, "observe", *bdf});
    if (!o.metrics.empty()) {
        const auto address = parseMetricsAddress(o.metrics, error);
        if (!address)
            return fail(kExitUsage, error);
        if (auto err = metrics.bind(*address); !err.empty())
            return fail(kExitUsage, err);
    }

    // --- who owns it, and is there anything to watch -----------------------------------------------------------
    const auto pci = readPciDevice(*bdf, observe.sysRoot);
    // libvirt's pid files name a VM only for this host's processes, not for a recorded procfs.
    const std::string libvirtDir = observe.procRoot == "/proc" ? "/run/libvirt/qemu" : "";
    const auto owner =
        pci ? findVfioOwner(vfioNodesOf(*pci, observe.sysRoot), observe.procRoot, -1, libvirtDir) : std::nullopt;
    if (auto err = observeStartError(*bdf, readIrqSample(*bdf, observe.procRoot), owner))
        return fail(kExitDevice, *err);

    ObserverConfig config;
    config.bdf = *bdf;
    config.procRoot = observe.procRoot;
    config.interval = *interval;
    config.delivery = DeliveryContext{owner, readPostingFacts(observe.sysRoot)};
    Observer observer(config);
    observer.start();
    const MetricsServing serving(metrics, !o.metrics.empty(), [&observer] { return observer.latest(); });
    if (!o.metrics.empty())
        std::fprintf(stderr, "irqscope: serving metrics on %s\n", metrics.url().c_str());

    // Host handler timing where tracefs allows it (not for a recorded procfs: its IRQs are not this host's).
    std::string timing;
    std::unique_ptr<HandlerTracer> tracer;
    if (observe.procRoot != "/proc")
        timing = "not available: --proc-root reads a recorded procfs, not this host's IRQs";
    else
        tracer = HandlerTracer::start(observe.tracefs, timing);
    // The vectors present in `snap` by host IRQ: what the tracer follows.
    auto traceVectors = [&tracer](const Snapshot& snap) {
        std::map<int, VectorId> irqs;
        for (const auto& v : snap.vectors)
            if (v.observed && v.observed->present && v.hostIrq >= 0)
                irqs[v.hostIrq] = v.id;
        tracer->setIrqs(irqs);
    };

    ObserveTableHeader header;
    header.device = *bdf;
    header.owner = owner;
    header.intervalSec = static_cast<double>(interval->count()) / 1e9;
    header.durationSec = static_cast<double>(duration->count()) / 1e9;
    header.handlerTiming = tracer ? "traced (per-vector histograms in the --json report)" : timing;

    // --- live view: redraw (terminal) or print (JSON Lines) each new sample once --------------------------------
    const bool tty = isatty(STDOUT_FILENO) && !o.noLive;
    const bool jsonLines = !isatty(STDOUT_FILENO);
    const int64_t start = monotonicNs();
    const int64_t end = duration->count() > 0 ? start + duration->count() : INT64_MAX;
    const int64_t refresh = std::clamp<int64_t>(interval->count() / 10, 5'000'000, 250'000'000);
    uint64_t shownGeneration = 0;
    int signal = 0;
    std::string stopReason = "duration elapsed";
    if (tty)
        std::fputs("\033[?25l", stdout);
    while (true) {
        const int64_t now = monotonicNs();
        if (now >= end)
            break;
        signal = waitForStopSignal(std::min(end - now, refresh));
        if (signal) {
            stopReason = signal == SIGINT ? "SIGINT" : "SIGTERM";
            break;
        }
        if (tracer) {
            tracer->poll(); // often enough that the trace buffer never fills
            observer.setIrteEvents(tracer->irteEvents());
        }
        const auto snap = observer.latest();
        if (!snap || snap->generation <= shownGeneration)
            continue;
        shownGeneration = snap->generation;
        if (tracer)
            traceVectors(*snap);
        if (tty) {
            std::fputs("\033[H\033[2J", stdout);
            std::fputs(renderObserveTable(*snap, header, terminalRows() - 4, true).c_str(), stdout);
        } else if (jsonLines) {
            std::fputs((observeIntervalJson(*snap, observer.startNs()).dump() + "\n").c_str(), stdout);
        }
        std::fflush(stdout);
    }
    if (tty)
        std::fputs("\033[?25h\033[H\033[2J", stdout);

    // --- stop: one last sample, reports ------------------------------------------------------------------------
    if (tracer) { // the IRTE changes up to now count for the final sample
        tracer->poll();
        observer.setIrteEvents(tracer->irteEvents());
    }
    const auto final = observer.finalSnapshot();
    std::map<VectorId, HandlerTiming> timings;
    if (tracer) {
        tracer->stop(); // reads what is left, disables the events and removes the instance
        timings = tracer->timings();
    }
    // The CPUs the vCPUs ran on last, as of the end.
    auto finalOwner = owner;
    if (finalOwner && finalOwner->vm)
        if (auto again = describeVmm(finalOwner->pid, observe.procRoot, libvirtDir))
            finalOwner->vm->vcpus = again->vcpus;
    RunDescription run;
    run.deviceDescription =
        pci ? fmt::format("{:04x}:{:04x} {}", pci->vendor, pci->device, pciIdsName(pci->vendor, pci->device))
            : std::string("not in sysfs");
    run.vectors = "observed";
    run.trigger = "none (observe)";
    run.stopReason = stopReason;
    run.commandLine = o.commandLine;
    ObserveDescription description;
    description.owner = finalOwner;
    description.intervalNs = interval->count();
    description.startNs = observer.startNs();
    description.samples = observer.samples();
    description.skipped = observer.skipped();
    description.handlerTiming = tracer ? "collected: " + timing : timing;
    description.postingFacts = postingFactsText(config.delivery->facts);
    description.irteTrace = tracer ? tracer->irteStatus() : timing;
    auto report = observeReportJson(*final, run, collectSystemInfo(), description, observer.events());
    addHandlerTimings(report, *final, timings);

    const int code = signal == SIGINT ? kExitSigint : signal == SIGTERM ? kExitSigterm : kExitOk;
    FinalOutput output;
    output.jsonPath = o.jsonPath;
    output.jsonLines = jsonLines;
    output.stopReason = stopReason;
    output.outcome = "observed only, nothing armed";
    if (!jsonLines) {
        output.table = renderObserveTable(*final, header, 1 << 20, isatty(STDOUT_FILENO));
        for (const auto& e : observer.events())
            output.table += fmt::format("{:8.1f} s  {:<9} {} (IRQ {}, CPU {})\n",
                                        static_cast<double>(e.timeNs - observer.startNs()) / 1e9, vectorName(e.vector),
                                        observerEventName(e.kind), e.hostIrq, e.hostCpu);
    }
    return writeFinalOutput(report, output, code);
}

} // namespace irqscope::cli

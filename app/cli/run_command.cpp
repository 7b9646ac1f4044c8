#include "run_command.h"

#include "base/duration.h"
#include "base/monotonic_clock.h"
#include "base/privileges.h"
#include "base/vector_spec.h"
#include "cli_support.h"
#include "device/open_device.h"
#include "engine/cpu_setup.h"
#include "engine/engine.h"
#include "exit_codes.h"
#include "live_table.h"
#include "metrics_server.h"
#include "observe/host_irq.h"
#include "report/json_report.h"
#include "stats/aggregator.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace irqscope::cli {

using namespace irqscope::core;

namespace {

constexpr int64_t kHostRefreshNs = 250'000'000; // /proc/interrupts is read at most this often while running
constexpr useconds_t kDeviceSettleUs = 10'000;

// Waits until no armed vector has a trigger in flight, or until `untilNs`.
void waitInFlight(const Engine& engine, int64_t untilNs)
{
    while (monotonicNs() < untilNs) {
        uint64_t inFlight = 0;
        for (uint32_t slot = 0; slot < engine.slots().size(); ++slot)
            inFlight += engine.counters(slot).read().inFlight;
        if (inFlight == 0)
            return;
        usleep(1000);
    }
}

} // namespace

void addRunCommand(CLI::App& app, RunOptions& o)
{
    auto* run = app.add_subcommand("run", "Arm vectors, fire them and measure their latency live");
    run->add_option("-d,--device", o.device, "sim, or the PCI address of a device bound to vfio-pci")
        ->capture_default_str();
    run->add_option("--profile", o.profile, "Device profile file (how to raise and ack vectors)");
    run->add_option("-v,--vectors", o.vectors, "Vectors to arm, e.g. msix:0-7,intx:0 or msix (all)")
        ->capture_default_str();
    run->add_option("-t,--trigger", o.trigger, "How to fire: loopback (VFIO), device (register write), none")
        ->check(CLI::IsMember({"loopback", "device", "none"}))
        ->capture_default_str();
    run->add_option("-r,--rate", o.rate, "Triggers per second per vector")->capture_default_str();
    run->add_option("-D,--duration", o.duration, "How long to run (10s, 2m, 0 = until Ctrl-C)")->capture_default_str();
    run->add_option("--deadline", o.deadline, "A trigger with no completion after this is missed")
        ->capture_default_str();
    run->add_option("-i,--interval", o.interval, "JSON Lines interval when stdout is not a terminal")
        ->capture_default_str();
    run->add_option("-c,--cpu", o.cpu, "CPU the core thread is pinned to (default: the first allowed)");
    run->add_option("--trigger-cpu", o.triggerCpu, "Fire triggers from a thread on this CPU (cross-CPU latency)");
    run->add_option("--fifo", o.fifo, "Run the core thread SCHED_FIFO at this priority (1-99; needs CAP_SYS_NICE)")
        ->check(CLI::Range(1, 99));
    run->add_flag("--mlock", o.mlock, "mlockall() before measuring");
    run->add_flag("--pm-qos", o.pmQos, "Keep the core CPU out of deep idle (per-CPU PM QoS; needs root)");
    run->add_flag("--busy-poll", o.busyPoll,
                  "Core thread never sleeps: spins on io_uring for the lowest wakeup latency. COSTS 100 % OF ONE CPU "
                  "(the --cpu one) for the whole run; refused with --fifo while RT throttling is on");
    run->add_option("--intx-unmask", o.intxUnmask,
                    "How INTx is unmasked after each interrupt: ioctl (VFIO_DEVICE_SET_IRQS UNMASK) or eventfd (an "
                    "unmask eventfd written by the core thread)")
        ->check(CLI::IsMember({"ioctl", "eventfd"}))
        ->capture_default_str();
    run->add_option("--json", o.jsonPath, "Write the final report (JSON) to this file");
    run->add_flag("--check-accounting", o.checkAccounting,
                  "Exit 4 if any vector's triggered != completed + coalesced + missed + in flight");
    run->add_flag("--no-live", o.noLive, "No live table on a terminal: print only the final summary");
    run->add_option("--metrics", o.metrics,
                    "Serve Prometheus metrics on [ADDR:]PORT while running (a bare PORT listens on 127.0.0.1)");
    addRunReportOptions(*run, o.reports);
    auto* sim = run->add_option_group("Simulated device", "Options of --device sim");
    sim->add_option("--sim-kernel", o.simKernel, "Kernel whose SET_IRQS semantics the sim models: 6.1 or 6.12")
        ->check(CLI::IsMember({"6.1", "6.12"}))
        ->capture_default_str();
    sim->add_option("--sim-msix", o.simMsix, "MSI-X table size of the sim (0-2048)")
        ->check(CLI::Range(0, 2048))
        ->capture_default_str();
    sim->add_option("--sim-msi", o.simMsi, "MSI vectors of the sim (1, 2, 4, 8, 16 or 32)")
        ->check(CLI::IsMember({0, 1, 2, 4, 8, 16, 32}))
        ->capture_default_str();
    sim->add_flag("--sim-no-remap", o.simNoRemap, "Sim without interrupt remapping (multi-MSI falls short)");
    sim->add_option("--sim-latency", o.simLatency,
                    "Device-side latency: none, fixed:5us, uniform:2us-10us, normal:10us,2us, lognormal:8us,0.5, "
                    "exp:20us")
        ->capture_default_str();
    sim->add_option("--sim-faults", o.simFaults,
                    "Injected faults: drop=P,delay=P@DUR,spurious=HZ,stuck-mask=intx:0+msix:3,req-after=DUR,seed=N");
}

int runMeasurement(const RunOptions& o)
{
    std::string error;
    // --- validate everything before touching the device ----------------------------------------------------
    const auto vectors = parseVectorSpec(o.vectors, error);
    if (!vectors)
        return fail(kExitUsage, error);
    const auto duration = parseDuration(o.duration, error);
    if (!duration)
        return fail(kExitUsage, "--duration: " + error);
    const auto deadline = parseDuration(o.deadline, error);
    if (!deadline || deadline->count() == 0)
        return fail(kExitUsage, "--deadline: " + (deadline ? std::string("must be above 0") : error));
    const auto interval = parseDuration(o.interval, error);
    if (!interval || interval->count() < 10'000'000)
        return fail(kExitUsage, "--interval: " + (interval ? std::string("must be at least 10ms") : error));
    if (!(o.rate > 0) || o.rate > 1e7)
        return fail(kExitUsage, fmt::format("--rate {} is out of range: use more than 0 and at most 10000000", o.rate));
    const TriggerMode mode = *parseTriggerMode(o.trigger);
    RunReports reports(o.reports);
    if (auto err = reports.validate(); !err.empty())
        return fail(kExitUsage, err);

    // CPUs outside this process's affinity mask (taskset, cgroup cpuset) are bad input, found before the device
    // is touched.
    const auto allowed = allowedCpus();
    for (const auto& [option, cpu] : {std::pair<const char*, int>{"--cpu", o.cpu}, {"--trigger-cpu", o.triggerCpu}}) {
        if (cpu != -1 && std::find(allowed.begin(), allowed.end(), cpu) == allowed.end()) {
            std::string list;
            for (int c : allowed)
                list += (list.empty() ? "" : ",") + std::to_string(c);
            return fail(kExitUsage, fmt::format("{} {}: CPU {} is not in this process's allowed CPUs ({}): pick one "
                                                "of them",
                                                option, cpu, cpu, list));
        }
    }

    // The metrics port is taken before the device is touched: a port in use leaves the device untouched.
    MetricsServer metrics(ExpositionInfo{IRQSCOPE_VERSION, "run", o.device});
    if (!o.metrics.empty()) {
        const auto address = parseMetricsAddress(o.metrics, error);
        if (!address)
            return fail(kExitUsage, error);
        if (auto err = metrics.bind(*address); !err.empty())
            return fail(kExitUsage, err);
    }

    DeviceRequest request;
    request.device = o.device;
    request.profilePath = o.profile;
    if (o.device == "sim") {
        request.sim.kernel = *parseSimKernel(o.simKernel);
        request.sim.msixVectors = o.simMsix;
        request.sim.msiVectors = o.simMsi;
        request.sim.interruptRemapping = !o.simNoRemap;
        const auto latency = parseLatencyDistribution(o.simLatency, error);
        if (!latency)
            return fail(kExitUsage, "--sim-latency: " + error);
        request.sim.deviceLatency = *latency;
        if (!o.simFaults.empty()) {
            const auto faults = parseSimFaults(o.simFaults, error);
            if (!faults)
                return fail(kExitUsage, "--sim-faults: " + error);
            request.sim.faults = *faults;
        }
    }

    if (o.busyPoll) {
        if (auto err = busyPollRefusal(o.fifo, readRtRuntimeUs()))
            return fail(kExitUsage, *err);
    }

    // --- open, start, arm --------------------------------------------------------------------------------------
    OpenedDevice opened = openDevice(request);
    if (!opened.device)
        return fail(kExitDevice, opened.error);

    EngineConfig config;
    config.coreCpu = o.cpu;
    config.triggerCpu = o.triggerCpu;
    config.fifoPriority = o.fifo;
    config.mlock = o.mlock;
    config.pmQos = o.pmQos;
    config.busyPoll = o.busyPoll;
    config.triggerMode = mode;
    config.rateHz = o.rate;
    config.deadline = *deadline;
    config.intxUnmaskEventfd = o.intxUnmask == "eventfd";
    config.profile = &opened.profile;
    // Least privilege (docs/privileges.md): after setup only mlockall's future pages (CAP_IPC_LOCK) and, for root
    // writing reports into someone else's directory, CAP_DAC_OVERRIDE can still be needed.
    const bool writesFiles = o.reports.outputs.any() || !o.reports.record.empty() || !o.reports.thresholds.empty() ||
                             !o.jsonPath.empty() || o.pmQos;
    config.dropCapabilities = true;
    config.keepCapabilities =
        (o.mlock ? capabilityBit(CAP_IPC_LOCK) : 0) | (writesFiles ? capabilityBit(CAP_DAC_OVERRIDE) : 0);

    Engine engine(*opened.device, config);
    // Check the ranges against the device before arming anything, so bad input leaves the device untouched.
    std::vector<VectorRange> ranges = *vectors;
    for (auto& r : ranges) {
        if (const std::string err = resolveVectorRange(r, engine.slots(), o.device); !err.empty())
            return fail(kExitUsage, err);
        if (mode == TriggerMode::Device) {
            for (uint32_t sub = r.start; sub < r.start + r.count; ++sub) {
                if (!opened.profile.canRaise({r.index, sub}))
                    return fail(kExitUsage, fmt::format("profile '{}' does not say how to raise {}:{}: use "
                                                        "--trigger loopback, or a --profile that does",
                                                        opened.profile.name, irqIndexName(r.index), sub));
            }
        }
    }
    if (auto err = engine.start())
        return fail(kExitFailure, *err);

    RunDescription run;
    run.deviceDescription = opened.device->info().description;
    run.vectors = formatVectorSpec(ranges);
    run.trigger = o.trigger;
    run.rateHz = o.rate;
    run.deadlineNs = deadline->count();
    if (o.device == "sim") {
        run.simKernel = o.simKernel;
        run.simLatency = o.simLatency;
        run.simFaults = o.simFaults;
    }
    run.commandLine = o.commandLine;
    if (auto err = reports.begin(engine, run); !err.empty()) {
        engine.stop();
        return fail(kExitFailure, err);
    }

    // Host IRQ mapping on a real device: its baseline is read after arming and before the first trigger, so
    // that every device-raised interrupt of the run is in the host count.
    std::unique_ptr<HostIrqTracker> host;
    if (o.device != "sim")
        host = std::make_unique<HostIrqTracker>(opened.device->info().id);
    auto commandAll = [&](CommandKind kind) -> std::string {
        for (const auto& r : ranges) {
            Command c;
            c.kind = kind;
            c.index = r.index;
            c.start = r.start;
            c.count = r.count;
            if (auto res = engine.execute(c); res.error)
                return std::string(res.text());
        }
        return {};
    };
    auto armAll = [&]() -> std::string {
        if (auto err = commandAll(CommandKind::Arm); !err.empty())
            return err;
        if (host)
            host->sample();
        return mode == TriggerMode::None ? std::string() : commandAll(CommandKind::StartTriggering);
    };
    if (auto err = armAll(); !err.empty()) {
        engine.stop(); // disarms whatever was armed
        return fail(kExitDevice, err);
    }
    // Set up and armed: the main thread drops what it no longer needs; the aggregator (and any exec= action it
    // starts) is created after this and inherits the reduced sets.
    if (auto err = dropCapabilities(config.keepCapabilities))
        std::fprintf(stderr, "irqscope: warning: %s\n", err->c_str());

    const bool tty = isatty(STDOUT_FILENO) && !o.noLive;
    const bool jsonLines = !isatty(STDOUT_FILENO);
    EngineStatsSource source(engine);
    AggregatorConfig aggregation;
    if (jsonLines)
        aggregation.publishInterval = *interval; // each record's interval latency spans the whole --interval
    Aggregator aggregator(source, aggregation);
    if (host)
        aggregator.setSnapshotDecorator([&host](Snapshot& snap) {
            host->refresh(snap.monotonicNs, kHostRefreshNs);
            host->apply(snap);
        });
    reports.attach(aggregator, [&aggregator] {
        auto latest = aggregator.latest();
        return latest ? *latest : Snapshot{};
    });
    aggregator.start();
    // Serves from the aggregator's latest snapshot; stopped (by this guard at the latest) before the aggregator goes.
    const MetricsServing serving(metrics, !o.metrics.empty(), [&aggregator] { return aggregator.latest(); });
    if (!o.metrics.empty())
        std::fprintf(stderr, "irqscope: serving metrics on %s\n", metrics.url().c_str());

    // --- live view ---------------------------------------------------------------------------------------------
    TableHeader header;
    header.device = o.device == "sim" ? fmt::format("sim (kernel model {})", o.simKernel) : o.device;
    header.trigger =
        mode == TriggerMode::None ? "none (passive)" : fmt::format("{} @ {:g} Hz/vector", o.trigger, o.rate);
    for (const auto& r : ranges)
        if (r.index == IrqIndex::Intx)
            header.trigger += fmt::format(" | INTx unmask by {}", o.intxUnmask);
    header.durationSec = static_cast<double>(duration->count()) / 1e9;
    const int64_t start = monotonicNs();
    const int64_t end = duration->count() > 0 ? start + duration->count() : INT64_MAX;
    // JSON Lines: look often, print each new snapshot (one per --interval) exactly once.
    const int64_t refresh = tty ? 250'000'000 : std::max<int64_t>(interval->count() / 20, 5'000'000);
    uint64_t printedGeneration = 0;
    const int64_t poll = reports.hasStopRule() ? 20'000'000 : INT64_MAX; // how soon a threshold stop is seen
    int64_t nextRefresh = start + refresh;
    int signal = 0;
    std::string stopReason = "duration elapsed";
    // Mid-run notices from the core thread (a vector given up on, a stalled trigger thread): printed at once
    // when stdout is not the live table, else after it.
    std::vector<std::string> notices;
    auto takeNotices = [&] {
        EngineNotice n;
        while (engine.takeNotice(n)) {
            if (tty)
                notices.emplace_back(n.view());
            else
                std::fprintf(stderr, "irqscope: warning: %s\n", n.text.data());
        }
    };
    if (tty)
        std::fputs("\033[?25l", stdout); // hide the cursor while redrawing
    while (true) {
        takeNotices();
        const int64_t now = monotonicNs();
        if (now >= end)
            break;
        if (!engine.running()) {
            const auto status = engine.status();
            stopReason = status.hostRequest || status.deviceLost ? status.stopReason
                                                                 : "core thread stopped: " + status.stopReason;
            break;
        }
        signal = waitForStopSignal(std::min(poll, std::max<int64_t>(0, std::min(end, nextRefresh) - now)));
        if (signal) {
            stopReason = signal == SIGINT ? "SIGINT" : "SIGTERM";
            break;
        }
        if (reports.stopRequested()) {
            stopReason = reports.stopReason();
            break;
        }
        if (monotonicNs() >= nextRefresh) {
            nextRefresh += refresh;
            if (auto snap = aggregator.latest()) {
                if (tty) {
                    std::fputs("\033[H\033[2J", stdout);
                    std::fputs(renderTable(*snap, header, terminalRows() - 5, true).c_str(), stdout);
                } else if (jsonLines && snap->generation > printedGeneration &&
                           snap->elapsedSec * 2e9 >= static_cast<double>(interval->count())) {
                    // (the aggregator's first snapshot, taken at start, covers no interval: not printed)
                    printedGeneration = snap->generation;
                    std::fputs((intervalJson(*snap).dump() + "\n").c_str(), stdout);
                }
                std::fflush(stdout);
            }
        }
    }
    if (tty)
        std::fputs("\033[?25h\033[H\033[2J", stdout);

    // --- stop: disarm, drain, final reports --------------------------------------------------------------------
    if (host && engine.running()) {
        // A vector's host IRQ goes away with its action when it is disarmed: read the final host counts before,
        // once triggering stopped and what was in flight completed (or the deadline passed).
        if (mode != TriggerMode::None)
            commandAll(CommandKind::StopTriggering);
        waitInFlight(engine, monotonicNs() + deadline->count());
        // Device-raised runs: let the device's own interrupt moderation timers run out before its vectors are
        // disabled (QEMU's e1000e aborts when one fires after MSI-X is off; its throttle is ~128 us).
        if (mode == TriggerMode::Device)
            usleep(kDeviceSettleUs);
        host->sample();
    }
    engine.stop();
    aggregator.stop();
    takeNotices();
    for (const auto& n : notices)
        std::fprintf(stderr, "irqscope: warning: %s\n", n.c_str());
    const auto final = aggregator.finalSnapshot();
    const EngineStatus endStatus = engine.status();

    run.stopReason = stopReason;
    const ReportInput input = reports.input(*final, run);
    const auto report = reportJson(input);

    const bool hostTook = endStatus.hostRequest || endStatus.deviceLost;
    int code = signal == SIGINT ? kExitSigint : signal == SIGTERM ? kExitSigterm : hostTook ? kExitHostTook : kExitOk;
    if (!reports.finish(input, code))
        code = kExitFailure;
    if (!o.jsonPath.empty()) {
        if (auto err = writeJsonFile(o.jsonPath, report); !err.empty()) {
            std::fprintf(stderr, "irqscope: error: %s\n", err.c_str());
            code = kExitFailure;
        }
    }
    if (jsonLines) {
        auto summary = report;
        summary["type"] = "summary";
        std::fputs((summary.dump() + "\n").c_str(), stdout);
    } else {
        std::fputs(renderTable(*final, header, 1 << 20, isatty(STDOUT_FILENO)).c_str(), stdout);
        std::printf("stopped: %s; every vector disarmed%s\n", stopReason.c_str(),
                    o.jsonPath.empty() ? "" : fmt::format("; report written to {}", o.jsonPath).c_str());
    }
    std::fflush(stdout);
    if (o.checkAccounting && code == kExitOk && !report["totals"]["balanced"].get<bool>())
        code = kExitUnbalanced;
    if (hostTook)
        std::fprintf(stderr, "irqscope: %s: every vector disarmed, partial reports written (exit %d)\n",
                     endStatus.stopReason.c_str(), kExitHostTook);
    if (endStatus.triggerAbandoned) {
        // A trigger thread stuck in the device was left behind: it still uses the engine, the device and the
        // profile, so they are not destroyed. The vectors are disarmed; ending the process closes the device.
        std::fflush(nullptr);
        std::_Exit(code);
    }
    return code;
}

} // namespace irqscope::cli

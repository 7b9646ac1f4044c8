// `irqscope run`: its options, and the measurement in steps: check the options, open the device, start the live
// run (core/run/live_run.h), show it, stop it and write what was asked for.
#include "run_command.h"

#include "base/duration.h"
#include "base/privileges.h"
#include "base/vector_spec.h"
#include "cli_support.h"
#include "engine/cpu_setup.h"
#include "exit_codes.h"
#include "final_output.h"
#include "metrics_server.h"
#include "report/json_report.h"
#include "run/live_run.h"
#include "run_view.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <linux/capability.h>
#include <optional>
#include <unistd.h>

namespace irqscope::cli {

using namespace irqscope::core;

void addRunCommand(CLI::App& app, RunOptions& o)
{
    auto* run = app.add_subcommand("run", "Arm vectors, fire them and measure their latency live");
    auto* sim = addDeviceOptions(*run, o.target,
                                 {"Device profile file (how to raise and ack vectors)",
                                  "Vectors to arm, e.g. msix:0-7,intx:0 or msix (all)",
                                  "Injected faults: drop=P,delay=P@DUR,spurious=HZ,stuck-mask=intx:0+msix:3,req-after="
                                  "DUR,trigger-stall=DUR,seed=N"});
    run->add_option("-t,--trigger", o.trigger, "How to fire: loopback (VFIO), device (register write), none")
        ->check(CLI::IsMember({"loopback", "device", "none"}))
        ->capture_default_str();
    run->add_option("-r,--rate", o.rate, "Triggers per second per vector")->capture_default_str();
    run->add_option("-D,--duration", o.duration, "How long to run (10s, 2m, 0 = until Ctrl-C)")->capture_default_str();
    run->add_option("--deadline", o.deadline, "A trigger with no completion after this is missed")
        ->capture_default_str();
    run->add_option("-i,--interval", o.interval, "JSON Lines interval when stdout is not a terminal")
        ->capture_default_str();
    run->add_option("--trigger-cpu", o.triggerCpu, "Fire triggers from a thread on this CPU (cross-CPU latency)");
    run->add_option("--poller-cpu", o.pollerCpu,
                    "CPU of the delivery poller, which stamps when a command trigger's completion (NVMe, xHCI) is "
                    "visible in memory (default: the first allowed CPU that is not --cpu). COSTS 100 % OF THAT CPU "
                    "while the run lasts");
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
    run->add_option("--web.config.file", o.webConfig,
                    "Web configuration of --metrics (exporter-toolkit YAML): TLS certificate and key, client "
                    "certificates, basic_auth_users");
    addRunReportOptions(*run, o.reports);
    addHostTuningOptions(*run, o.hostTuning);
    sim->add_flag("--sim-no-remap", o.simNoRemap, "Sim without interrupt remapping (multi-MSI falls short)");
    sim->add_option("--sim-latency", o.simLatency,
                    "Device-side latency: none, fixed:5us, uniform:2us-10us, normal:10us,2us, lognormal:8us,0.5, "
                    "exp:20us")
        ->capture_default_str();
    sim->add_option("--sim-model", o.simModel,
                    "What the sim is: registers (raise registers, the sim profile), nvme or xhci (a controller "
                    "completing commands by DMA: device-raised triggers get delivery latency)")
        ->capture_default_str();
    sim->add_option("--sim-delivery", o.simDelivery,
                    "nvme and xhci models: completion in memory -> its MSI-X message, as --sim-latency "
                    "(which is then doorbell -> completion in memory)")
        ->capture_default_str();
}

namespace {

// The options, checked and parsed: what the device is opened, the run configured and the view shown with.
struct RunPlan
{
    std::vector<VectorRange> vectors;
    std::chrono::nanoseconds duration{0};
    std::chrono::nanoseconds deadline{0};
    std::chrono::nanoseconds interval{0};
    TriggerMode mode = TriggerMode::Loopback;
    DeviceRequest request;
};

// A --cpu or --trigger-cpu outside this process's affinity mask (taskset, cgroup cpuset): "" or the usage error.
std::string checkAllowedCpus(const RunOptions& o)
{
    const auto allowed = allowedCpus();
    for (const auto& [option, cpu] : {std::pair<const char*, int>{"--cpu", o.target.cpu},
                                      {"--trigger-cpu", o.triggerCpu},
                                      {"--poller-cpu", o.pollerCpu}}) {
        if (cpu != -1 && std::find(allowed.begin(), allowed.end(), cpu) == allowed.end()) {
            std::string list;
            for (int c : allowed)
                list += (list.empty() ? "" : ",") + std::to_string(c);
            return fmt::format("{} {}: CPU {} is not in this process's allowed CPUs ({}): pick one of them", option,
                               cpu, cpu, list);
        }
    }
    return {};
}

// Everything that can be checked before the device is touched, in the order the errors are reported; binds the
// metrics port (a port in use leaves the device untouched). The exit code on failure, else nullopt.
std::optional<int> checkOptions(const RunOptions& o, RunReports& reports, MetricsServer& metrics, RunPlan& plan)
{
    std::string error;
    const auto vectors = parseVectorSpec(o.target.vectors, error);
    if (!vectors)
        return fail(kExitUsage, error);
    plan.vectors = *vectors;
    if (auto err = checkVfTokenOption(o.target); !err.empty())
        return fail(kExitUsage, err);
    const auto duration = parseDuration(o.duration, error);
    if (!duration)
        return fail(kExitUsage, "--duration: " + error);
    plan.duration = *duration;
    const auto deadline = parseDuration(o.deadline, error);
    if (!deadline || deadline->count() == 0)
        return fail(kExitUsage, "--deadline: " + (deadline ? std::string("must be above 0") : error));
    plan.deadline = *deadline;
    const auto interval = parseDuration(o.interval, error);
    if (!interval || interval->count() < 10'000'000)
        return fail(kExitUsage, "--interval: " + (interval ? std::string("must be at least 10ms") : error));
    plan.interval = *interval;
    if (!(o.rate > 0) || o.rate > 1e7)
        return fail(kExitUsage, fmt::format("--rate {} is out of range: use more than 0 and at most 10000000", o.rate));
    plan.mode = *parseTriggerMode(o.trigger);
    if (auto err = reports.validate(); !err.empty())
        return fail(kExitUsage, err);
    if (auto err = checkAllowedCpus(o); !err.empty())
        return fail(kExitUsage, err);
    if (o.pollerCpu >= 0 && o.pollerCpu == o.target.cpu)
        return fail(kExitUsage,
                    fmt::format("--poller-cpu {} is the core thread's --cpu: the delivery poller spins on a "
                                "CPU of its own, pick another",
                                o.pollerCpu));
    if (!o.webConfig.empty() && o.metrics.empty())
        return fail(kExitUsage, "--web.config.file configures --metrics: give --metrics [ADDR:]PORT too");
    if (!o.metrics.empty()) {
        const auto address = parseMetricsAddress(o.metrics, error);
        if (!address)
            return fail(kExitUsage, error);
        if (!o.webConfig.empty())
            if (auto err = metrics.configure(o.webConfig); !err.empty())
                return fail(kExitUsage, err);
        if (auto err = metrics.bind(*address); !err.empty())
            return fail(kExitUsage, err);
    }
    plan.request = deviceRequest(o.target);
    if (o.target.device == "sim") {
        plan.request.sim.interruptRemapping = !o.simNoRemap;
        const auto latency = parseLatencyDistribution(o.simLatency, error);
        if (!latency)
            return fail(kExitUsage, "--sim-latency: " + error);
        plan.request.sim.deviceLatency = *latency;
        const auto model = parseSimModel(o.simModel);
        if (!model)
            return fail(kExitUsage,
                        fmt::format("--sim-model {}: unknown model: use registers, nvme or xhci", o.simModel));
        plan.request.sim.model = *model;
        const auto delivery = parseLatencyDistribution(o.simDelivery, error);
        if (!delivery)
            return fail(kExitUsage, "--sim-delivery: " + error);
        plan.request.sim.interruptLatency = *delivery;
        if (auto err = parseSimFaultsOption(o.target.simFaults, plan.request.sim.faults); !err.empty())
            return fail(kExitUsage, err);
    }
    if (o.busyPoll) {
        if (auto err = busyPollRefusal(o.fifo, readRtRuntimeUs()))
            return fail(kExitUsage, *err);
    }
    return std::nullopt;
}

LiveRunConfig liveRunConfig(const RunOptions& o, const RunPlan& plan)
{
    LiveRunConfig config;
    EngineConfig& engine = config.engine;
    engine.coreCpu = o.target.cpu;
    engine.triggerCpu = o.triggerCpu;
    engine.pollerCpu = o.pollerCpu;
    engine.fifoPriority = o.fifo;
    engine.mlock = o.mlock;
    engine.pmQos = o.pmQos;
    engine.busyPoll = o.busyPoll;
    engine.triggerMode = plan.mode;
    engine.rateHz = o.rate;
    engine.deadline = plan.deadline;
    engine.intxUnmaskEventfd = o.intxUnmask == "eventfd";
    // Least privilege (docs/privileges.md): after setup only mlockall's future pages (CAP_IPC_LOCK) and, for root
    // writing reports into someone else's directory, CAP_DAC_OVERRIDE can still be needed.
    const bool writesFiles = o.reports.outputs.any() || !o.reports.record.empty() || !o.reports.thresholds.empty() ||
                             !o.jsonPath.empty() || o.pmQos;
    engine.dropCapabilities = true;
    engine.keepCapabilities = (o.mlock ? capabilityBit(CAP_IPC_LOCK) : 0) |
                              (writesFiles ? capabilityBit(CAP_DAC_OVERRIDE) : 0) |
                              hostTuningCapabilities(o.hostTuning);
    config.deviceLabel = o.target.device;
    config.trackHostIrqs = o.target.device != "sim";
    return config;
}

RunDescription describeRun(const RunOptions& o, const OpenedDevice& opened, const RunPlan& plan)
{
    RunDescription run;
    run.deviceDescription = opened.device->info().description;
    run.vectors = formatVectorSpec(plan.vectors);
    run.trigger = o.trigger;
    run.rateHz = o.rate;
    run.deadlineNs = plan.deadline.count();
    if (o.target.device == "sim") {
        run.simKernel = o.target.simKernel;
        run.simLatency = o.simLatency;
        run.simFaults = o.target.simFaults;
    }
    run.commandLine = o.commandLine;
    return run;
}

// From the resolved ranges to a measuring run: engine, reports, arming, the host tuning and the IRQ thread
// warnings (docs/rt-hosts.md), triggering, dropped capabilities, the aggregator. The exit code on failure (the
// LiveRun disarms what was armed, HostTuning restores what it changed), else nullopt.
std::optional<int> startRun(LiveRun& live, const RunPlan& plan, RunReports& reports, RunDescription& run,
                            HostTuning& tuning, const WarningContext& warnings)
{
    if (auto err = live.startEngine())
        return fail(kExitFailure, *err);
    // A command-triggered run without a CPU for the delivery poller goes on with the round trip only
    // (docs/dma-triggers.md §6): said once here, and in the reports' config.delivery_note.
    if (const auto status = live.engine().status(); !status.deliveryNote.empty())
        std::fprintf(stderr, "irqscope: note: no delivery latency: %s\n", status.deliveryNote.c_str());
    if (auto err = reports.begin(live.engine(), run); !err.empty())
        return fail(kExitFailure, err);
    if (auto err = live.arm(plan.vectors); !err.empty())
        return fail(kExitDevice, err);
    if (auto code = applyHostTuning(tuning, live, run))
        return code;
    warnAboutIrqThreads(irqThreadSnapshot(live), live, warnings, run);
    if (auto err = live.startTriggering(plan.vectors); !err.empty())
        return fail(kExitDevice, err);
    // Set up and armed: the main thread drops what it no longer needs; the aggregator (and any exec= action it
    // starts) is created after this and inherits the reduced sets.
    if (auto err = dropCapabilities(live.engine().config().keepCapabilities))
        std::fprintf(stderr, "irqscope: warning: %s\n", err->c_str());
    AggregatorConfig aggregation;
    if (!isatty(STDOUT_FILENO))
        aggregation.publishInterval = plan.interval; // each record's interval latency spans the whole --interval
    live.startAggregator(aggregation, [&reports, &live](Aggregator& aggregator) {
        reports.attach(aggregator, [&live] {
            auto latest = live.latest();
            return latest ? *latest : Snapshot{};
        });
    });
    return std::nullopt;
}

LiveViewConfig viewConfig(const RunOptions& o, const RunPlan& plan)
{
    LiveViewConfig view;
    view.tty = isatty(STDOUT_FILENO) && !o.noLive;
    view.jsonLines = !isatty(STDOUT_FILENO);
    view.durationNs = plan.duration.count();
    view.intervalNs = plan.interval.count();
    TableHeader& header = view.header;
    header.device = o.target.device == "sim"
                        ? fmt::format("sim{} (kernel model {})", o.simModel == "registers" ? "" : " " + o.simModel,
                                      o.target.simKernel)
                        : o.target.device;
    header.trigger =
        plan.mode == TriggerMode::None ? "none (passive)" : fmt::format("{} @ {:g} Hz/vector", o.trigger, o.rate);
    for (const auto& r : plan.vectors)
        if (r.index == IrqIndex::Intx)
            header.trigger += fmt::format(" | INTx unmask by {}", o.intxUnmask);
    header.durationSec = static_cast<double>(plan.duration.count()) / 1e9;
    return view;
}

// Reports, the final table or summary, and the exit code. Never returns when a trigger thread was left behind.
int finishRun(const RunOptions& o, RunReports& reports, RunDescription run, const LiveViewConfig& view,
              const LiveViewEnd& ended, const LiveRunEnd& end)
{
    run.stopReason = ended.stopReason;
    const ReportInput input = reports.input(*end.final, run);
    const auto report = reportJson(input);
    const bool hostTook = end.status.hostRequest || end.status.deviceLost;
    int code = ended.signal == SIGINT    ? kExitSigint
               : ended.signal == SIGTERM ? kExitSigterm
               : hostTook                ? kExitHostTook
                                         : kExitOk;
    if (!reports.finish(input, code))
        code = kExitFailure;
    FinalOutput output;
    output.jsonPath = o.jsonPath;
    output.otherFiles = o.reports.outputs.files();
    if (!o.reports.record.empty())
        output.otherFiles.push_back(o.reports.record);
    output.jsonLines = view.jsonLines;
    output.stopReason = ended.stopReason;
    output.outcome = "every vector disarmed";
    if (!view.jsonLines)
        output.table = renderTable(*end.final, view.header, 1 << 20, isatty(STDOUT_FILENO));
    code = writeFinalOutput(report, output, code);
    if (o.checkAccounting && code == kExitOk && !report["totals"]["balanced"].get<bool>())
        code = kExitUnbalanced;
    if (hostTook)
        std::fprintf(stderr, "irqscope: %s: every vector disarmed, partial reports written (exit %d)\n",
                     end.status.stopReason.c_str(), kExitHostTook);
    if (end.status.triggerAbandoned) {
        // A trigger thread stuck in the device was left behind: it still uses the engine, the device and the
        // profile, so they are not destroyed. The vectors are disarmed; ending the process closes the device.
        std::fflush(nullptr);
        std::_Exit(code);
    }
    return code;
}

} // namespace

int runMeasurement(const RunOptions& o)
{
    RunPlan plan;
    RunReports reports(o.reports);
    MetricsServer metrics(ExpositionInfo{IRQSCOPE_VERSION, "run", o.target.device});
    if (auto code = checkOptions(o, reports, metrics, plan))
        return *code;

    OpenedDevice opened = openDevice(plan.request);
    if (!opened.device)
        return fail(kExitDevice, opened.error);
    LiveRun live(opened, liveRunConfig(o, plan));
    // The ranges are checked against the device before anything is armed: bad input leaves it untouched.
    if (auto err = live.resolve(plan.vectors); !err.empty())
        return fail(kExitUsage, err);
    RunDescription run = describeRun(o, opened, plan);
    // Declared after the LiveRun: an early return restores the host before the run disarms.
    HostTuning tuning(hostTuningConfig(o.hostTuning));
    const WarningContext warnings{o.fifo, o.busyPoll, o.hostTuning.sysfsRoot};
    if (auto code = startRun(live, plan, reports, run, tuning, warnings))
        return *code;
    // Serves from the run's latest snapshot; stopped (by this guard at the latest) before the LiveRun goes.
    const MetricsServing serving(metrics, !o.metrics.empty(), [&live] { return live.latest(); });
    if (!o.metrics.empty())
        std::fprintf(stderr, "irqscope: serving metrics on %s\n", metrics.url().c_str());

    const LiveViewConfig view = viewConfig(o, plan);
    EngineNotices notices(view.tty);
    const LiveViewEnd ended = runLiveView(live, reports, view, notices);
    // Every way out of a started run passes here (the duration, SIGINT, SIGTERM, a threshold, the host taking the
    // device): the host goes back as it was while the vectors are still armed, so their IRQ threads (which the
    // disarm ends) are restored too; the report keeps the threads as they ran.
    if (tuning.config().irqThreadPriority || tuning.config().irqThreadCpu)
        live.holdIrqThreads();
    restoreHostTuning(tuning);
    const LiveRunEnd end = live.stop();
    if (end.final)
        warnAboutIrqThreads(*end.final, live, warnings, run);
    notices.take(live.engine());
    notices.printDeferred();
    return finishRun(o, reports, run, view, ended, end);
}

} // namespace irqscope::cli

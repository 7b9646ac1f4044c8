#include "exporter_command.h"

#include "base/privileges.h"
#include "base/vector_spec.h"
#include "cli_support.h"
#include "device/open_device.h"
#include "exit_codes.h"
#include "metrics_server.h"
#include "run/live_run.h"

#include <fmt/format.h>

#include <csignal>
#include <cstdio>

namespace irqscope::cli {

using namespace irqscope::core;

CLI::App* addExporterCommand(CLI::App& app, ExporterOptions& o)
{
    auto* exp = app.add_subcommand(
        "exporter", "Serve Prometheus metrics of a device's own interrupts (passive: arms, never triggers)");
    auto* sim = addDeviceOptions(*exp, o.target,
                                 {"Device profile file", "Vectors to arm, e.g. msix (all MSI-X), msix:0-7,intx:0",
                                  "Injected faults, as for `irqscope run` (spurious=HZ overrides --sim-device-rate)"});
    exp->add_option("-m,--metrics", o.metrics, "[ADDR:]PORT to serve /metrics on (a bare PORT: 127.0.0.1)")
        ->capture_default_str();
    exp->add_option("--web.config.file", o.webConfig,
                    "Web configuration (exporter-toolkit YAML): TLS certificate and key, client certificates, "
                    "basic_auth_users");
    sim->add_option("--sim-device-rate", o.simDeviceRate,
                    "Interrupts per second the sim raises by itself on each armed vector (Poisson)")
        ->check(CLI::Range(0.0, 1e6))
        ->capture_default_str();
    return exp;
}

int runExporter(const ExporterOptions& o)
{
    std::string error;
    const auto vectors = parseVectorSpec(o.target.vectors, error);
    if (!vectors)
        return fail(kExitUsage, error);
    if (auto err = checkVfTokenOption(o.target); !err.empty())
        return fail(kExitUsage, err);
    const auto address = parseMetricsAddress(o.metrics, error);
    if (!address)
        return fail(kExitUsage, error);

    DeviceRequest request = deviceRequest(o.target);
    if (o.target.device == "sim") {
        request.sim.faults.spuriousRateHz = o.simDeviceRate;
        if (auto err = parseSimFaultsOption(o.target.simFaults, request.sim.faults); !err.empty())
            return fail(kExitUsage, err);
        if (request.sim.faults.spuriousRateHz == 0)
            request.sim.faults.spuriousRateHz = o.simDeviceRate;
    }

    // The port first: a port in use leaves the device untouched.
    MetricsServer metrics(ExpositionInfo{IRQSCOPE_VERSION, "exporter", o.target.device});
    if (!o.webConfig.empty())
        if (auto err = metrics.configure(o.webConfig); !err.empty())
            return fail(kExitUsage, err);
    if (auto err = metrics.bind(*address); !err.empty())
        return fail(kExitUsage, err);

    OpenedDevice opened = openDevice(request);
    if (!opened.device)
        return fail(kExitDevice, opened.error);
    LiveRunConfig config;
    config.engine.coreCpu = o.target.cpu;
    config.engine.triggerMode = TriggerMode::None;
    // Least privilege (docs/privileges.md): once armed, the exporter needs no capability at all.
    config.engine.dropCapabilities = true;
    config.engine.keepCapabilities = 0;
    config.deviceLabel = o.target.device;
    config.trackHostIrqs = false;
    LiveRun live(opened, config);

    std::vector<VectorRange> ranges = *vectors;
    if (auto err = live.resolve(ranges); !err.empty())
        return fail(kExitUsage, err);
    uint32_t armed = 0;
    for (const auto& r : ranges)
        armed += r.count;
    if (auto err = live.startEngine())
        return fail(kExitFailure, *err);
    if (auto err = live.arm(ranges); !err.empty())
        return fail(kExitDevice, err); // the LiveRun disarms whatever was armed

    // The aggregator and the HTTP server threads start after this and inherit the empty sets.
    if (auto err = dropCapabilities(config.engine.keepCapabilities))
        std::fprintf(stderr, "irqscope: warning: %s\n", err->c_str());

    AggregatorConfig aggregation;
    aggregation.publishInterval = std::chrono::milliseconds(250); // scrapes are seconds apart
    live.startAggregator(aggregation);
    const MetricsServing serving(metrics, true, [&live] { return live.latest(); });
    std::printf("irqscope exporter: %s, %u vector%s armed (%s), passive; serving %s\n", o.target.device.c_str(), armed,
                armed == 1 ? "" : "s", formatVectorSpec(ranges).c_str(), metrics.url().c_str());
    std::fflush(stdout);

    int signal = 0;
    std::string stopReason;
    while (!signal) {
        if (!live.engine().running()) {
            stopReason = "core thread stopped: " + live.engine().status().stopReason;
            break;
        }
        signal = waitForStopSignal(200'000'000);
    }
    metrics.stop();
    live.stop();
    if (!signal) {
        std::fprintf(stderr, "irqscope: error: %s; every vector disarmed\n", stopReason.c_str());
        return kExitFailure;
    }
    std::printf("stopped: %s; every vector disarmed\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
    return kExitOk;
}

} // namespace irqscope::cli

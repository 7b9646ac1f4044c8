#include "exporter_command.h"

#include "base/privileges.h"
#include "base/vector_spec.h"
#include "cli_support.h"
#include "device/open_device.h"
#include "engine/engine.h"
#include "exit_codes.h"
#include "metrics_server.h"
#include "stats/aggregator.h"

#include <fmt/format.h>

#include <csignal>
#include <cstdio>

namespace irqscope::cli {

using namespace irqscope::core;

CLI::App* addExporterCommand(CLI::App& app, ExporterOptions& o)
{
    auto* exp = app.add_subcommand(
        "exporter", "Serve Prometheus metrics of a device's own interrupts (passive: arms, never triggers)");
    exp->add_option("-d,--device", o.device, "sim, or the PCI address of a device bound to vfio-pci")
        ->capture_default_str();
    exp->add_option("--profile", o.profile, "Device profile file");
    exp->add_option("-v,--vectors", o.vectors, "Vectors to arm, e.g. msix (all MSI-X), msix:0-7,intx:0")
        ->capture_default_str();
    exp->add_option("-m,--metrics", o.metrics, "[ADDR:]PORT to serve /metrics on (a bare PORT: 127.0.0.1)")
        ->capture_default_str();
    exp->add_option("-c,--cpu", o.cpu, "CPU the core thread is pinned to (default: the first allowed)");
    auto* sim = exp->add_option_group("Simulated device", "Options of --device sim");
    sim->add_option("--sim-kernel", o.simKernel, "Kernel whose SET_IRQS semantics the sim models: 6.1 or 6.12")
        ->check(CLI::IsMember({"6.1", "6.12"}))
        ->capture_default_str();
    sim->add_option("--sim-msix", o.simMsix, "MSI-X table size of the sim (0-2048)")
        ->check(CLI::Range(0, 2048))
        ->capture_default_str();
    sim->add_option("--sim-msi", o.simMsi, "MSI vectors of the sim (1, 2, 4, 8, 16 or 32)")
        ->check(CLI::IsMember({0, 1, 2, 4, 8, 16, 32}))
        ->capture_default_str();
    sim->add_option("--sim-device-rate", o.simDeviceRate,
                    "Interrupts per second the sim raises by itself on each armed vector (Poisson)")
        ->check(CLI::Range(0.0, 1e6))
        ->capture_default_str();
    sim->add_option("--sim-faults", o.simFaults,
                    "Injected faults, as for `irqscope run` (spurious=HZ overrides "
                    "--sim-device-rate)");
    return exp;
}

int runExporter(const ExporterOptions& o)
{
    std::string error;
    const auto vectors = parseVectorSpec(o.vectors, error);
    if (!vectors)
        return fail(kExitUsage, error);
    const auto address = parseMetricsAddress(o.metrics, error);
    if (!address)
        return fail(kExitUsage, error);

    DeviceRequest request;
    request.device = o.device;
    request.profilePath = o.profile;
    if (o.device == "sim") {
        request.sim.kernel = *parseSimKernel(o.simKernel);
        request.sim.msixVectors = o.simMsix;
        request.sim.msiVectors = o.simMsi;
        request.sim.faults.spuriousRateHz = o.simDeviceRate;
        if (!o.simFaults.empty()) {
            const auto faults = parseSimFaults(o.simFaults, error);
            if (!faults)
                return fail(kExitUsage, "--sim-faults: " + error);
            request.sim.faults = *faults;
            if (faults->spuriousRateHz == 0)
                request.sim.faults.spuriousRateHz = o.simDeviceRate;
        }
    }

    // The port first: a port in use leaves the device untouched.
    MetricsServer metrics(ExpositionInfo{IRQSCOPE_VERSION, "exporter", o.device});
    if (auto err = metrics.bind(*address); !err.empty())
        return fail(kExitUsage, err);

    OpenedDevice opened = openDevice(request);
    if (!opened.device)
        return fail(kExitDevice, opened.error);
    EngineConfig config;
    config.coreCpu = o.cpu;
    config.triggerMode = TriggerMode::None;
    config.profile = &opened.profile;
    // Least privilege (docs/privileges.md): once armed, the exporter needs no capability at all.
    config.dropCapabilities = true;
    config.keepCapabilities = 0;
    Engine engine(*opened.device, config);

    std::vector<VectorRange> ranges = *vectors;
    uint32_t armed = 0;
    for (auto& r : ranges) {
        if (const std::string err = resolveVectorRange(r, engine.slots(), o.device); !err.empty())
            return fail(kExitUsage, err);
        armed += r.count;
    }
    if (auto err = engine.start())
        return fail(kExitFailure, *err);
    for (const auto& r : ranges) {
        Command c;
        c.kind = CommandKind::Arm;
        c.index = r.index;
        c.start = r.start;
        c.count = r.count;
        if (auto res = engine.execute(c); res.error) {
            engine.stop(); // disarms whatever was armed
            return fail(kExitDevice, std::string(res.text()));
        }
    }

    // The aggregator and the HTTP server threads start after this and inherit the empty sets.
    if (auto err = dropCapabilities(config.keepCapabilities))
        std::fprintf(stderr, "irqscope: warning: %s\n", err->c_str());

    EngineStatsSource source(engine);
    AggregatorConfig aggregation;
    aggregation.publishInterval = std::chrono::milliseconds(250); // scrapes are seconds apart
    Aggregator aggregator(source, aggregation);
    aggregator.start();
    const MetricsServing serving(metrics, true, [&aggregator] { return aggregator.latest(); });
    std::printf("irqscope exporter: %s, %u vector%s armed (%s), passive; serving %s\n", o.device.c_str(), armed,
                armed == 1 ? "" : "s", formatVectorSpec(ranges).c_str(), metrics.url().c_str());
    std::fflush(stdout);

    int signal = 0;
    std::string stopReason;
    while (!signal) {
        if (!engine.running()) {
            stopReason = "core thread stopped: " + engine.status().stopReason;
            break;
        }
        signal = waitForStopSignal(200'000'000);
    }
    metrics.stop();
    engine.stop();
    aggregator.stop();
    if (!signal) {
        std::fprintf(stderr, "irqscope: error: %s; every vector disarmed\n", stopReason.c_str());
        return kExitFailure;
    }
    std::printf("stopped: %s; every vector disarmed\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
    return kExitOk;
}

} // namespace irqscope::cli

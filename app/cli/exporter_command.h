// `irqscope exporter`: a passive Prometheus exporter, fit for a service (packaging/irqscope-exporter@.service).
// It arms the vectors but never fires them: what it counts are the device's own interrupts. Runs until SIGINT or
// SIGTERM, then disarms every vector and exits 0.
#pragma once

#include "device_options.h"

#include <CLI/CLI.hpp>

#include <string>

namespace irqscope::cli {

struct ExporterOptions
{
    DeviceOptions target = deviceOptionsWith("msix", 8);
    std::string metrics = "9477";
    std::string webConfig; // --web.config.file: TLS and basic authentication (docs/metrics.md)
    double simDeviceRate = 100;
};

CLI::App* addExporterCommand(CLI::App& app, ExporterOptions& options);
int runExporter(const ExporterOptions& options);

} // namespace irqscope::cli

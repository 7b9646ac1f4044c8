// `irqscope exporter`: a passive Prometheus exporter, fit for a service (packaging/irqscope-exporter@.service).
// It arms the vectors but never fires them: what it counts are the device's own interrupts. Runs until SIGINT or
// SIGTERM, then disarms every vector and exits 0.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace irqscope::cli {

struct ExporterOptions
{
    std::string device = "sim";
    std::string profile;
    std::string vectors = "msix";
    std::string metrics = "9477";
    int cpu = -1;
    std::string simKernel = "6.1";
    uint32_t simMsix = 8;
    uint32_t simMsi = 8;
    double simDeviceRate = 100;
    std::string simFaults;
};

CLI::App* addExporterCommand(CLI::App& app, ExporterOptions& options);
int runExporter(const ExporterOptions& options);

} // namespace irqscope::cli

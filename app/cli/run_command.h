// `irqscope run`: arm vectors, fire them, measure, show a live table (or JSON Lines), write reports.
#pragma once

#include "device_options.h"
#include "host_tuning_options.h"
#include "report_session.h"

#include <CLI/CLI.hpp>

#include <string>

namespace irqscope::cli {

struct RunOptions
{
    DeviceOptions target = deviceOptionsWith("msix:0-7", 64); // --device, --vectors, --cpu, --sim-*
    bool simNoRemap = false;
    std::string simLatency = "none";
    std::string simModel = "registers"; // --sim-model: what sits behind the sim's BAR0
    std::string simDelivery = "none";   // --sim-delivery: nvme/xhci, completion in memory -> its MSI-X message
    std::string trigger = "loopback";
    double rate = 1000;
    int triggerCpu = -1;
    int pollerCpu = -1; // --poller-cpu: the delivery poller's CPU (docs/dma-triggers.md §6)
    int fifo = 0;
    bool mlock = false;
    bool pmQos = false;
    bool busyPoll = false;
    std::string intxUnmask = "ioctl"; // ioctl | eventfd
    std::string duration = "10s";
    std::string deadline = "100ms";
    std::string interval = "1s";
    std::string jsonPath;
    bool checkAccounting = false;
    bool noLive = false;
    std::string metrics;   // --metrics [ADDR:]PORT: serve Prometheus metrics while running
    std::string webConfig; // --web.config.file: TLS and basic authentication of --metrics
    std::string commandLine;
    RunReportOptions reports;     // --csv, --html, --pdf, cyclictest forms, --record, --on-threshold
    HostTuningOptions hostTuning; // --irq-thread-prio, --irq-thread-cpu, --deepest-idle-state (docs/rt-hosts.md)
};

void addRunCommand(CLI::App& app, RunOptions& options);
int runMeasurement(const RunOptions& options);

} // namespace irqscope::cli

// `irqscope run`: arm vectors, fire them, measure, show a live table (or JSON Lines), write reports.
#pragma once

#include "engine/engine_config.h"
#include "report_session.h"
#include "sim/sim_config.h"

#include <CLI/CLI.hpp>

#include <string>

namespace irqscope::cli {

struct RunOptions
{
    std::string device = "sim";
    std::string profile;
    std::string simKernel = "6.1";
    uint32_t simMsix = 64;
    uint32_t simMsi = 8;
    bool simNoRemap = false;
    std::string simLatency = "none";
    std::string simFaults;
    std::string vectors = "msix:0-7";
    std::string trigger = "loopback";
    double rate = 1000;
    int cpu = -1;
    int triggerCpu = -1;
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
    std::string metrics; // --metrics [ADDR:]PORT: serve Prometheus metrics while running
    std::string commandLine;
    RunReportOptions reports; // --csv, --html, --pdf, cyclictest forms, --record, --on-threshold
};

void addRunCommand(CLI::App& app, RunOptions& options);
int runMeasurement(const RunOptions& options);

} // namespace irqscope::cli

// `irqscope run --observe BDF`: watch the vfio vectors of a device another process (a VM) owns, from the host
// side: host IRQ, CPU, counts and rates per vector from procfs. Nothing is armed or fired; no latency is claimed.
#pragma once

#include "run_command.h"

#include <CLI/CLI.hpp>

#include <string>

namespace irqscope::cli {

struct ObserveOptions
{
    std::string bdf;                             // --observe
    std::string procRoot = "/proc";              // --proc-root (a recorded or fake procfs tree)
    std::string tracefs = "/sys/kernel/tracing"; // --tracefs: where host handler timing is traced
    std::string sysRoot = "/sys";                // --sys-root: where the posting facts are read (a recorded tree)
};

// Adds --observe (and --proc-root) to the `run` subcommand; call after addRunCommand(). Every run option that
// only makes sense when irqscope arms the device is excluded with --observe.
void addObserveOptions(CLI::App& app, ObserveOptions& observe);

// Uses --duration, --interval (the sampling interval), --json and --no-live of `run`.
int runObserve(const ObserveOptions& observe, const RunOptions& run);

} // namespace irqscope::cli

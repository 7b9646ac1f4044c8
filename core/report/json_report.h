// JSON reports: the final report (schema "irqscope.report" version 1, documented in docs/report-schema.md) and
// the per-interval JSON Lines records the CLI prints when stdout is not a terminal.
#pragma once

#include "report/system_info.h"
#include "stats/snapshot.h"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace irqscope::core {

inline constexpr int kReportSchemaVersion = 1;

// What the user asked for, as recorded in reports.
struct RunDescription
{
    std::string deviceDescription;
    std::string vectors; // "msix:0-7"
    std::string trigger; // "loopback"
    double rateHz = 0;
    int64_t deadlineNs = 0;
    std::string simKernel;  // "6.1" (sim only)
    std::string simLatency; // sim device latency distribution (sim only)
    std::string simFaults;  // sim faults (sim only)
    std::string stopReason; // "duration elapsed", "SIGINT", ...
    std::string commandLine;
    // Host set-ups that ruin a measurement (an IRQ thread below irqscope's core thread on its CPU, ...), one line
    // each (docs/rt-hosts.md §2), and what --irq-thread-prio, --irq-thread-cpu and --deepest-idle-state changed
    // for the run (§3).
    std::vector<std::string> warnings;
    std::vector<std::string> hostTuning;
};

nlohmann::json vectorJson(const VectorSnapshot& v, double elapsedSec); // elapsedSec: the run's, for mean rates
nlohmann::json reportJson(const Snapshot& snapshot, const RunDescription& run, const SystemInfo& system);
nlohmann::json intervalJson(const Snapshot& snapshot); // one JSON Lines record
// The "instrument_floor" object both carry (docs/report-schema.md "Instrument floor"); null when the snapshot has no
// floor (observer mode, an old recording), and then the key is left out.
nlohmann::json instrumentFloorJson(const Snapshot& snapshot);

// Writes atomically (temp file + rename). Returns a one-line error on failure.
std::string writeJsonFile(const std::string& path, const nlohmann::json& json);

// Names of the vstate bits set in `state`: "armed", "masked", "automasked", "pending", "stuck", "triggering".
std::string stateText(uint32_t state);

} // namespace irqscope::core

// The end of `irqscope run` and `irqscope run --observe`, once the final report is built: --json gets the report,
// and stdout either its summary record (JSON Lines, when stdout is not a terminal) or the final table and the
// stop line ("stopped: REASON; OUTCOME[; report written to FILE | reports written to FILE, FILE...]").
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace irqscope::cli {

struct FinalOutput
{
    std::string jsonPath; // --json ("" = none)
    // The other files the run wrote (--csv, --html, --pdf, --record, ...), named on the stop line after --json's.
    std::vector<std::string> otherFiles;
    bool jsonLines = false; // stdout is not a terminal
    std::string table;      // the final table and what follows it; shown when not jsonLines
    std::string stopReason;
    std::string outcome; // "every vector disarmed", "observed only, nothing armed"
};

// Writes `report` as described above and returns `code`, or kExitFailure when --json could not be written (the
// error on stderr).
int writeFinalOutput(const nlohmann::json& report, const FinalOutput& output, int code);

} // namespace irqscope::cli

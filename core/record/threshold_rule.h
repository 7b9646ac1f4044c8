// ThresholdRule: one --on-threshold "[VECTORS@]US:ACTION" (docs/report-thresholds.md): when a completion's
// latency exceeds US microseconds on a matching vector, do ACTION: snapshot, stop, or exec=CMD [ARGS...].
#pragma once

#include "base/vector_spec.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irqscope::core {

enum class ThresholdAction
{
    Snapshot, // save the last N samples and the state to a recording file, keep running
    Stop,     // end the run
    Exec,     // spawn a command (no shell) with the event in IRQSCOPE_* environment variables
};

struct ThresholdRule
{
    std::vector<VectorRange> vectors; // empty: every vector
    int64_t thresholdNs = 0;
    ThresholdAction action = ThresholdAction::Stop;
    std::vector<std::string> argv; // Exec: the command split on spaces
    std::string text;              // as given
};

// One-line error in `error` on bad input.
std::optional<ThresholdRule> parseThresholdRule(std::string_view text, std::string& error);

} // namespace irqscope::core

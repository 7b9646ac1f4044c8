// The per-vector table the CLI prints: redrawn in place on a terminal, and once as the final summary.
#pragma once

#include "stats/snapshot.h"

#include <string>

namespace irqscope::cli {

struct TableHeader
{
    std::string device;     // "sim (kernel model 6.1)"
    std::string trigger;    // "loopback @ 2000 Hz/vector"
    double durationSec = 0; // 0: until interrupted
};

// Renders the table; at most `maxRows` vector rows (the rest summarised in one line). `color` adds ANSI colours
// for states and errors.
std::string renderTable(const core::Snapshot& snapshot, const TableHeader& header, int maxRows, bool color);

} // namespace irqscope::cli

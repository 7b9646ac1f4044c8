// The view of `irqscope run` while it measures: the table redrawn on a terminal, one JSON Lines record per
// --interval when stdout is not a terminal, and the conditions that end the run (duration, SIGINT/SIGTERM, a
// threshold's stop action, a core thread that ended by itself).
#pragma once

#include "live_table.h"
#include "report_session.h"
#include "run/live_run.h"

#include <cstdint>
#include <string>
#include <vector>

namespace irqscope::cli {

// Mid-run notices from the core thread (a vector given up on, a stalled trigger thread): printed as warnings at
// once when stdout is not the live table, else kept and printed after it.
class EngineNotices
{
public:
    explicit EngineNotices(bool deferred)
        : m_deferred(deferred)
    {}
    void take(core::Engine& engine);
    // Prints the notices kept while the live table was on screen.
    void printDeferred();

private:
    bool m_deferred;
    std::vector<std::string> m_kept;
};

struct LiveViewConfig
{
    TableHeader header;
    bool tty = false;       // redraw the table (a terminal, and no --no-live)
    bool jsonLines = false; // stdout is not a terminal
    int64_t durationNs = 0; // 0: until a signal
    int64_t intervalNs = 0; // --interval
};

struct LiveViewEnd
{
    int signal = 0; // SIGINT or SIGTERM when one ended the run
    std::string stopReason;
};

// Shows the run until something ends it; returns what did.
LiveViewEnd runLiveView(core::LiveRun& run, RunReports& reports, const LiveViewConfig& config, EngineNotices& notices);

} // namespace irqscope::cli

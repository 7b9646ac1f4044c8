#include "run_view.h"

#include "base/monotonic_clock.h"
#include "cli_support.h"
#include "report/json_report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>

namespace irqscope::cli {

using namespace irqscope::core;

void EngineNotices::take(Engine& engine)
{
    EngineNotice n;
    while (engine.takeNotice(n)) {
        if (m_deferred)
            m_kept.emplace_back(n.view());
        else
            std::fprintf(stderr, "irqscope: warning: %s\n", n.text.data());
    }
}

void EngineNotices::printDeferred()
{
    for (const auto& n : m_kept)
        std::fprintf(stderr, "irqscope: warning: %s\n", n.c_str());
    m_kept.clear();
}

namespace {

// Why the core thread ended by itself: the host's or the device's own words, else the engine's.
std::string engineStopReason(const EngineStatus& status)
{
    return status.hostRequest || status.deviceLost ? status.stopReason : "core thread stopped: " + status.stopReason;
}

} // namespace

LiveViewEnd runLiveView(LiveRun& run, RunReports& reports, const LiveViewConfig& config, EngineNotices& notices)
{
    Engine& engine = run.engine();
    const int64_t start = monotonicNs();
    const int64_t end = config.durationNs > 0 ? start + config.durationNs : INT64_MAX;
    // JSON Lines: look often, print each new snapshot (one per --interval) exactly once.
    const int64_t refresh = config.tty ? 250'000'000 : std::max<int64_t>(config.intervalNs / 20, 5'000'000);
    const int64_t poll = reports.hasStopRule() ? 20'000'000 : INT64_MAX; // how soon a threshold stop is seen
    uint64_t printedGeneration = 0;
    int64_t nextRefresh = start + refresh;
    LiveViewEnd out{0, "duration elapsed"};
    if (config.tty)
        std::fputs("\033[?25l", stdout); // hide the cursor while redrawing
    while (true) {
        notices.take(engine);
        const int64_t now = monotonicNs();
        if (now >= end)
            break;
        if (!engine.running()) {
            out.stopReason = engineStopReason(engine.status());
            break;
        }
        out.signal = waitForStopSignal(std::min(poll, std::max<int64_t>(0, std::min(end, nextRefresh) - now)));
        if (out.signal) {
            out.stopReason = out.signal == SIGINT ? "SIGINT" : "SIGTERM";
            break;
        }
        if (reports.stopRequested()) {
            out.stopReason = reports.stopReason();
            break;
        }
        if (monotonicNs() < nextRefresh)
            continue;
        nextRefresh += refresh;
        const auto snap = run.latest();
        if (!snap)
            continue;
        if (config.tty) {
            std::fputs("\033[H\033[2J", stdout);
            std::fputs(renderTable(*snap, config.header, terminalRows() - 5, true).c_str(), stdout);
        } else if (config.jsonLines && snap->generation > printedGeneration &&
                   snap->elapsedSec * 2e9 >= static_cast<double>(config.intervalNs)) {
            // (the aggregator's first snapshot, taken at start, covers no interval: not printed)
            printedGeneration = snap->generation;
            std::fputs((intervalJson(*snap).dump() + "\n").c_str(), stdout);
        }
        std::fflush(stdout);
    }
    if (config.tty)
        std::fputs("\033[?25h\033[H\033[2J", stdout);
    return out;
}

} // namespace irqscope::cli

// `irqscope replay FILE`: replays a recording through the aggregator into the live table, at the recorded pace
// (or faster), and ends on the recorded statistics.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace irqscope::cli {

struct ReplayOptions
{
    std::string recording;
    double speed = 1.0; // 0: as fast as possible
    std::string json;   // the replayed final statistics as a JSON report
    bool noLive = false;
};

CLI::App* addReplayCommand(CLI::App& app, ReplayOptions& options);
int replayRecording(const ReplayOptions& options);

} // namespace irqscope::cli

// `irqscope replay FILE`: paced sample replay into a ReplaySource, the aggregator and the live table.
#include "replay_command.h"

#include "base/monotonic_clock.h"
#include "cli_support.h"
#include "exit_codes.h"
#include "live_table.h"
#include "record/recording_reader.h"
#include "record/replay_final.h"
#include "record/replay_source.h"
#include "report/report_input.h"
#include "stats/aggregator.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace irqscope::cli {

using namespace irqscope::core;

CLI::App* addReplayCommand(CLI::App& app, ReplayOptions& o)
{
    auto* cmd = app.add_subcommand("replay", "Replay a recording into the live table");
    cmd->add_option("recording", o.recording, "The recording file")->required();
    cmd->add_option("--speed", o.speed, "Replay speed factor (0: as fast as possible)")
        ->check(CLI::Range(0.0, 1e6))
        ->capture_default_str();
    cmd->add_option("--json", o.json, "Write the replayed final statistics as a JSON report to FILE");
    cmd->add_flag("--no-live", o.noLive, "No live table: print only the final table");
    return cmd;
}

int replayRecording(const ReplayOptions& o)
{
    RecordingReader reader;
    if (auto err = reader.open(o.recording); !err.empty()) {
        std::fprintf(stderr, "irqscope: error: %s\n", err.c_str());
        return kExitUsage;
    }
    const Recording& rec = reader.recording();
    ReplaySource source(rec);
    Aggregator aggregator(source);
    aggregator.start();

    const bool tty = isatty(STDOUT_FILENO) && !o.noLive;
    TableHeader header;
    header.device = fmt::format("replay of {} ({})", rec.path, rec.meta.deviceId);
    header.trigger = fmt::format("{} @ {:g} Hz/vector", rec.meta.run.trigger, rec.meta.run.rateHz);
    header.durationSec = rec.final.elapsedSec / (o.speed > 0 ? o.speed : 1);
    const int64_t start = monotonicNs();
    int64_t nextRefresh = start;
    uint64_t pushed = 0;
    int signal = 0;
    const std::size_t room = source.samples().capacity() - 1;
    const auto refresh = [&] {
        if (!tty || monotonicNs() < nextRefresh)
            return;
        nextRefresh += 250'000'000;
        if (auto snap = aggregator.latest()) {
            std::fputs("\033[H\033[2J", stdout);
            std::fputs(renderTable(*snap, header, 40, true).c_str(), stdout);
            std::fflush(stdout);
        }
    };
    const std::string err = reader.forEachSample([&](const Sample* samples, std::size_t n) {
        for (std::size_t i = 0; i < n && !signal; ++i) {
            const Sample& s = samples[i];
            if (o.speed > 0) {
                const int64_t due =
                    start + static_cast<int64_t>(static_cast<double>(s.completionNs - rec.meta.originNs) / o.speed);
                while (!signal && monotonicNs() < due) {
                    signal = waitForStopSignal(std::min<int64_t>(due - monotonicNs(), 50'000'000));
                    // The recording's clock moves on between samples, so rates fall as they did in the run.
                    const auto reached = static_cast<double>(monotonicNs() - start) * o.speed;
                    source.advanceClock(std::min(s.completionNs, rec.meta.originNs + static_cast<int64_t>(reached)));
                    refresh();
                }
            }
            while (!signal && pushed - aggregator.samplesDrained() >= room)
                signal = waitForStopSignal(1'000'000);
            if (!signal && source.push(s))
                ++pushed;
            if ((pushed & 1023) == 0) {
                signal = signal ? signal : waitForStopSignal(0);
                refresh();
            }
        }
    });
    if (!err.empty()) {
        std::fprintf(stderr, "irqscope: error: %s\n", err.c_str());
        return kExitUsage;
    }
    if (!signal)
        source.finish();
    // Played to the end, it ends where the run did (replay_final.h); interrupted, on what was replayed.
    const auto replayed = aggregator.finalSnapshot();
    const auto final = signal ? replayed : std::make_shared<const Snapshot>(replayFinalSnapshot(rec, *replayed));
    if (tty)
        std::fputs("\033[H\033[2J", stdout);
    std::fputs(renderTable(*final, header, 1 << 20, isatty(STDOUT_FILENO)).c_str(), stdout);
    std::printf("replayed %llu samples of %s%s\n", static_cast<unsigned long long>(pushed), rec.path.c_str(),
                signal ? " (interrupted)" : "");
    if (!o.json.empty()) {
        ReportInput input;
        input.snapshot = *final;
        input.run = rec.meta.run;
        input.system = rec.meta.system;
        input.tuning = rec.meta.tuning;
        input.startWallNs = rec.meta.startWallNs;
        if (auto werr = writeJsonFile(o.json, reportJson(input)); !werr.empty()) {
            std::fprintf(stderr, "irqscope: error: %s\n", werr.c_str());
            return kExitFailure;
        }
    }
    return signal == SIGINT ? kExitSigint : signal == SIGTERM ? kExitSigterm : kExitOk;
}

} // namespace irqscope::cli

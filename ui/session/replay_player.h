// ReplayPlayer: plays a recording (core/record) into a ReplaySource on its own thread, paced by the recorded
// completion times at a speed factor the GUI may change while it plays (0: as fast as the aggregator drains),
// so a recording fills the dashboard's table and charts exactly as the live run did.
#pragma once

#include "record/recording_reader.h"
#include "record/replay_source.h"
#include "stats/aggregator.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace irqscope::ui {

// Threads: everything from the GUI thread; the player's own thread only pushes samples.
class ReplayPlayer
{
public:
    // Opens and checks the recording (framing, META, FINAL). Returns null and sets `error` (one line) on failure.
    static std::unique_ptr<ReplayPlayer> open(const std::string& path, std::string& error);
    ~ReplayPlayer(); // stops the thread

    // Starts playing at `speed` (1: recorded pace).
    void start(double speed);
    void setSpeed(double speed) { m_speed.store(speed, std::memory_order_relaxed); }
    double speed() const { return m_speed.load(std::memory_order_relaxed); }
    // True once every sample was pushed (or playing stopped on a bad sample); the final snapshot is ready then.
    bool finished() const { return m_finished.load(std::memory_order_acquire); }
    // "" or the one-line error of a sample that failed its check.
    std::string error() const;
    // The recorded statistics once finished (the aggregator drained and stopped), else the latest.
    std::shared_ptr<const core::Snapshot> latest();
    double progress() const; // 0..1 of the samples pushed

    std::shared_ptr<const core::RecordingReader> reader() const { return m_reader; }
    const core::Recording& recording() const { return m_reader->recording(); }

private:
    explicit ReplayPlayer(std::shared_ptr<core::RecordingReader> reader);
    void run();
    // Paces toward recorded time `at` (ns after the origin) at `speed`, moving the source's clock along. False
    // when `at` is due; otherwise it slept a little (at most 20 ms) and the caller checks again.
    bool waitUntil(int64_t at, double speed, int64_t wallBase, int64_t recordBase);

    std::shared_ptr<core::RecordingReader> m_reader;
    core::ReplaySource m_source;
    core::Aggregator m_aggregator;
    std::atomic<double> m_speed{1.0};
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_finished{false};
    std::atomic<uint64_t> m_pushed{0};
    std::string m_error;      // written by the thread before m_finished
    bool m_completed = false; // every sample played and finish()ed: written by the thread before m_finished
    std::shared_ptr<const core::Snapshot> m_final;
    std::thread m_thread;
};

} // namespace irqscope::ui

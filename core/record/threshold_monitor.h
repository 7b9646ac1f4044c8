// ThresholdMonitor: evaluates --on-threshold rules on every completion, in the aggregator's sample sink (never
// on the core thread). snapshot writes the last N samples and the current state as a recording, stop raises a
// flag the controller polls, exec spawns a command without a shell. Each (rule, vector) fires at most once per
// hold-off (stop: once).
#pragma once

#include "base/vector_id.h"
#include "engine/sample.h"
#include "record/recording_meta.h"
#include "record/threshold_rule.h"
#include "stats/snapshot.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <vector>

namespace irqscope::core {

struct ThresholdContext
{
    VectorSlots slots;
    RecordingMeta meta;                 // written into snapshot files
    std::string snapshotDir = ".";      // where snapshot files go
    std::size_t snapshotSamples = 4096; // N: samples kept for a snapshot (every vector, newest last)
    int64_t holdoffNs = 1'000'000'000;
    std::function<Snapshot()> state; // the current state for snapshot files (counters, engine)
};

class ThresholdMonitor
{
public:
    ThresholdMonitor(std::vector<ThresholdRule> rules, ThresholdContext context);
    ~ThresholdMonitor(); // finish()
    ThresholdMonitor(const ThresholdMonitor&) = delete;
    ThresholdMonitor& operator=(const ThresholdMonitor&) = delete;

    // The sink: one thread.
    void add(const Sample* samples, std::size_t count);

    // Any thread.
    bool stopRequested() const { return m_stop.load(std::memory_order_acquire); }
    std::string stopReason() const;
    uint64_t fired() const { return m_fired.load(std::memory_order_relaxed); }
    // What the actions did, one line each ("snapshot written to ...", "spawned ...", errors); taken once.
    std::vector<std::string> takeMessages();

    // Waits up to `timeoutMs` for spawned commands to exit (reaping them). Idempotent.
    void finish(int timeoutMs = 5000);

private:
    void fire(std::size_t ruleIndex, const ThresholdRule& rule, const Sample& s);
    void writeSnapshot(const ThresholdRule& rule, const Sample& s);
    void spawn(const ThresholdRule& rule, const Sample& s);
    void reap(bool wait);
    void message(std::string line);

    std::vector<ThresholdRule> m_rules;
    ThresholdContext m_context;
    std::vector<std::vector<bool>> m_matches;      // [rule][slot]
    std::vector<std::vector<int64_t>> m_lastFired; // [rule][slot], INT64_MIN: never
    std::vector<Sample> m_ring;
    std::size_t m_ringNext = 0;
    std::size_t m_ringSize = 0;
    uint64_t m_snapshots = 0;
    std::vector<pid_t> m_children;

    std::atomic<bool> m_stop{false};
    std::atomic<uint64_t> m_fired{0};
    mutable std::mutex m_mutex; // m_stopReason, m_messages
    std::string m_stopReason;
    std::vector<std::string> m_messages;
};

} // namespace irqscope::core

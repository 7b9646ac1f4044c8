// LiveRun: the pipeline of one active measurement on an opened device, the same for the CLI (`irqscope run`) and
// the dashboard's live sessions: check the vector ranges, start the engine, arm, take the host-IRQ baseline,
// start triggering, run the aggregator, and stop in the order that keeps the final numbers whole.
//
// Use, in this order (each step once):
//   LiveRun run(opened, config);            // builds the Engine; nothing runs, nothing is armed
//   run.resolve(ranges)                     // bad input is found before the device is touched
//   run.startEngine()                       // the core thread
//   run.arm(ranges)                         // arms, then takes the host-IRQ baseline (real device)
//   run.startTriggering(ranges)             // the first trigger comes after the baseline
//   run.startAggregator(...)                // snapshots: latest()
//   ... run.engine().post(...) for commands while it runs ...
//   run.stop()                              // the final snapshot and how the engine ended
// A failed step leaves the run to be stopped (stop() or the destructor disarms whatever was armed).
//
// Threads: every call from one controlling thread at a time (the dashboard hands the whole LiveRun to a worker
// thread for stop()); latest() from any thread.
#pragma once

#include "base/vector_spec.h"
#include "device/open_device.h"
#include "engine/engine.h"
#include "observe/host_irq.h"
#include "stats/aggregator.h"
#include "stats/stats_source.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace irqscope::core {

struct LiveRunConfig
{
    EngineConfig engine;     // its `profile` is set to the opened device's profile
    std::string deviceLabel; // the device as the user named it, for errors; "" = the device's id
    // Follow each armed vector's host IRQ (HostIrqTracker) and decorate the snapshots with it. Default: on a
    // real device, off on the simulated one (its interrupts are not host interrupts).
    std::optional<bool> trackHostIrqs;
    std::string procRoot = "/proc"; // where the host IRQs are read (tests point it at a fake tree)
    // How long arm() and startTriggering() wait for each command's answer from the core thread.
    std::chrono::milliseconds commandTimeout{5000};
};

// How a run ended.
struct LiveRunEnd
{
    std::shared_ptr<const Snapshot> final; // the last snapshot, every sample drained; null without an aggregator
    EngineStatus status;                   // the engine's status after it stopped
};

class LiveRun
{
public:
    // `opened` (its device and profile) must outlive the LiveRun. Precondition: opened.device is set.
    LiveRun(OpenedDevice& opened, LiveRunConfig config);
    ~LiveRun(); // stop()
    LiveRun(const LiveRun&) = delete;
    LiveRun& operator=(const LiveRun&) = delete;

    // Before startEngine(): resolves "all" ranges to the device's vectors and checks each range against the
    // device and, for device-raised triggers, against the profile (profile.canRaise). Returns the first one-line
    // usage error, or "".
    std::string resolve(std::vector<VectorRange>& ranges) const;

    // Starts the core thread. A one-line error (nothing armed) or nullopt.
    std::optional<std::string> startEngine();

    // Arms every range, stopping at the first failure (whose message it returns; the run should be stopped
    // then), then takes the host-IRQ baseline: after arming, so every vector has its IRQ, and before the first
    // trigger, so every interrupt the run raises is counted. Returns "" on success.
    std::string arm(const std::vector<VectorRange>& ranges);

    // Adds the ranges to the trigger generator's set, stopping at the first failure (returned; "" on success).
    // Nothing to do when the trigger mode is None.
    std::string startTriggering(const std::vector<VectorRange>& ranges);

    // Creates and starts the aggregator on the engine (with the host-IRQ decorator when tracking). `prepare`
    // runs before the aggregator's thread starts: the place for setSampleSink().
    void startAggregator(AggregatorConfig config = {}, const std::function<void(Aggregator&)>& prepare = {});

    // Stops, in this order: on a tracked (real) device whose core thread still runs, triggering ends, what is in
    // flight gets up to the deadline, a device-raised run lets the device settle, and the final host counts are
    // read (a vector's host IRQ goes away when it is disarmed); then the engine stops (disarming everything)
    // and the aggregator drains what is left into the final snapshot. Idempotent: later calls return the same.
    LiveRunEnd stop();
    bool stopped() const { return m_stopped; }

    Engine& engine() { return m_engine; }
    const Engine& engine() const { return m_engine; }
    // Null before startAggregator().
    Aggregator* aggregator() { return m_aggregator.get(); }
    // The aggregator's newest snapshot (null before the first); after stop(), the final one. Any thread.
    std::shared_ptr<const Snapshot> latest() const;
    // Null when host IRQs are not tracked.
    const HostIrqTracker* hostIrqs() const { return m_host.get(); }
    // Reads the host IRQs (and their threads) again now, e.g. after changing the threads. No-op when not tracked.
    void refreshHostIrqs();
    // Reads them once more and keeps the IRQ threads as they are now for the rest of the run (the final snapshot
    // included): before a restore of what the run changed on them. No-op when not tracked.
    void holdIrqThreads();
    const DeviceProfile& profile() const { return m_profile; }

private:
    std::string commandEach(CommandKind kind, const std::vector<VectorRange>& ranges);
    void stopTriggeringAll();
    void waitInFlight(int64_t untilNs) const;
    void waitForSetUpMessages() const;

    const DeviceProfile& m_profile;
    CommandTrigger* m_commandTrigger; // the opened device's, or null
    const std::string m_deviceLabel;
    const std::chrono::milliseconds m_commandTimeout;
    // Declared in dependency order: the aggregator goes first, then its source, then the engine.
    Engine m_engine;
    EngineStatsSource m_source;
    std::unique_ptr<HostIrqTracker> m_host;
    std::unique_ptr<Aggregator> m_aggregator;
    bool m_stopped = false;
    LiveRunEnd m_end;
};

} // namespace irqscope::core

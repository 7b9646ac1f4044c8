// MeasurementSession: the dashboard's side of what it shows, in one of three modes. Live: it owns the opened
// device, the Engine (rebuilt on each start, because the core CPU and scheduling are fixed when the core thread
// starts) and the Aggregator, posts commands from the GUI thread and collects their results without blocking it
// (pollResults() on the UI timer). Replay: a recording played into the same aggregator pipeline. Observe: the
// host-side Observer of a device another process owns. Stopping the engine runs on a worker thread (disarming
// and draining in-flight triggers takes up to 0.5 s), so the GUI thread never waits for the core thread.
#pragma once

#include "base/vector_spec.h"
#include "device/open_device.h"
#include "engine/engine.h"
#include "observe/observer.h"
#include "session/replay_player.h"
#include "session/report_export.h"
#include "stats/aggregator.h"
#include "stats/stats_source.h"

#include <QFuture>
#include <QObject>
#include <QString>

#include <array>
#include <chrono>
#include <memory>
#include <vector>

namespace irqscope::ui {

// What the user sets in the engine settings panel; applied when the engine starts.
struct EngineSettings
{
    int coreCpu = -1;     // -1: the first allowed CPU
    int fifoPriority = 0; // 0: SCHED_OTHER
    bool mlock = false;
    core::TriggerMode triggerMode = core::TriggerMode::Loopback;
    double rateHz = 1000;
};

enum class SessionMode
{
    Closed,
    Live,    // a device irqscope opened and drives
    Replay,  // a recording: read-only
    Observe, // a device another process owns: read-only, host-side counts only
};

class MeasurementSession final : public QObject
{
    Q_OBJECT
public:
    explicit MeasurementSession(QObject* parent = nullptr);
    ~MeasurementSession() override; // stops the engine (waiting for it): every vector is disarmed

    // Opens a device (closing what was open). Returns an empty string, or a one-line error.
    QString open(const core::DeviceRequest& request);
    // Opens a recording and starts replaying it at `speed` (1: recorded pace, 0: as fast as possible).
    QString openRecording(const QString& path, double speed);
    // Watches `bdf` from the host side (/proc/interrupts under `procRoot`) with the observer; `slots` is the
    // device's layout (from its config space), so rows are the same as when irqscope owns it.
    QString observe(const QString& bdf, const QString& procRoot, const core::DeviceOwner& owner,
                    const core::VectorSlots& slots);
    // Closes everything; waits for a stop in progress.
    void close();
    SessionMode mode() const { return m_mode; }
    bool isOpen() const { return m_mode != SessionMode::Closed; }

    // Live mode: starts the core thread with `settings`, then arms `arm` and starts triggering `trigger`
    // (start-up arming, waited for with a short timeout). Returns an empty string, or a one-line error.
    QString start(const EngineSettings& settings, const std::vector<core::VectorRange>& arm = {},
                  const std::vector<core::VectorRange>& trigger = {});
    // Asynchronous: hands the engine to a worker thread that stops triggering, drains in-flight triggers,
    // disarms everything and joins the core thread; returns at once. stopping() is true until stopFinished(),
    // after which the final snapshot stays on show. Replay and observe stop at once.
    void stop();
    bool stopping() const { return m_stopInFlight && !m_stopping.isFinished(); }
    // Blocks until a stop in progress is done (closing, tests).
    void waitStopped();
    // Live: the core thread runs; replay: samples are still being played; observe: the observer samples.
    bool running() const;
    // Incremented by every start(): snapshot generations restart with each aggregator.
    uint64_t epoch() const { return m_epoch; }

    // Queues a command; its result arrives through commandFinished() from a later pollResults(). `what` names
    // it in the log ("arm msix:0-7").
    void post(const core::Command& command, const QString& what);
    // Collects the results that arrived, the end of a replay and a core thread that ended by itself; never
    // waits. Call from the UI timer.
    void pollResults();
    std::size_t pendingCommands() const { return m_pending.size(); }

    // ResetStats on the core thread plus the aggregator's histograms.
    void resetStatistics();

    // The newest snapshot: the aggregator's (or observer's) while running, the final one after stop(); null
    // before the first.
    std::shared_ptr<const core::Snapshot> latest() const;

    // Replay mode.
    ReplayPlayer* replay() const { return m_replay.get(); }
    QString recordingPath() const { return m_recordingPath; }

    // Observe mode.
    const core::DeviceOwner& owner() const { return m_owner; }

    // What an export of what is on show needs (runs later on a worker thread).
    ReportJob reportJob(ReportFormat format, const QString& path, const QString& commandLine) const;

    const core::VectorSlots& slots() const { return m_slots; }
    const core::IrqInfo& irqInfo(core::IrqIndex index) const { return m_irqInfo[static_cast<uint32_t>(index)]; }
    const core::DeviceProfile& profile() const { return m_opened.profile; }
    const core::DeviceRequest& request() const { return m_request; }
    bool simulated() const { return m_mode == SessionMode::Live && m_request.device == "sim"; }
    QString deviceId() const;
    QString deviceDescription() const;
    const EngineSettings& settings() const { return m_settings; }
    // The engine's status (running or last run); default-constructed before the first start.
    core::EngineStatus engineStatus() const;

Q_SIGNALS:
    void commandFinished(const QString& what, int error, const QString& message);
    void runningChanged(bool running);
    void stopFinished();

private:
    struct Pending
    {
        uint64_t token = 0;
        QString what;
    };
    // What a stop hands to its worker thread, and what comes back.
    struct Retiring;
    struct StopOutcome
    {
        std::shared_ptr<const core::Snapshot> final;
        core::EngineStatus status;
        std::vector<std::pair<QString, core::CommandResult>> answered;
        std::vector<QString> unanswered;
    };

    void teardown();
    void collectResults();
    void finishStop(const StopOutcome& outcome);
    std::shared_ptr<const core::Snapshot> inDeviceSlots(const std::shared_ptr<const core::Snapshot>& observed) const;

    SessionMode m_mode = SessionMode::Closed;
    core::DeviceRequest m_request;
    core::OpenedDevice m_opened;
    core::VectorSlots m_slots;
    std::array<core::IrqInfo, core::kNumPciIrqIndexes> m_irqInfo{};
    EngineSettings m_settings;
    // Declared in dependency order: destroyed aggregator first, then its source, then the engine.
    std::unique_ptr<core::Engine> m_engine;
    std::unique_ptr<core::EngineStatsSource> m_source;
    std::unique_ptr<core::Aggregator> m_aggregator;
    std::shared_ptr<CollectorBox> m_collector;
    int64_t m_startWallNs = 0;
    core::EngineStatus m_lastStatus;
    std::shared_ptr<const core::Snapshot> m_final;
    std::vector<Pending> m_pending;
    QFuture<StopOutcome> m_stopping;
    bool m_stopInFlight = false; // m_stopping holds a stop whose outcome was not applied yet
    uint64_t m_epoch = 0;
    bool m_wasRunning = false;

    std::unique_ptr<ReplayPlayer> m_replay;
    QString m_recordingPath;
    bool m_replayDone = false;

    std::unique_ptr<core::Observer> m_observer;
    core::DeviceOwner m_owner;
    QString m_observedBdf;
    mutable std::shared_ptr<const core::Snapshot> m_observedSource; // the observer's latest, remapped below
    mutable std::shared_ptr<const core::Snapshot> m_observedInSlots;
};

} // namespace irqscope::ui

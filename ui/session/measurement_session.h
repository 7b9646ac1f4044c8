// MeasurementSession: the dashboard's side of what it shows, in one of three modes, each a SessionBackend:
// live (LiveBackend: a device irqscope opened and drives, on core's LiveRun), replay (ReplayBackend: a recording
// played into the same aggregator pipeline) and observe (ObserveBackend: the host-side Observer of a device
// another process owns). Commands are posted from the GUI thread and their results collected without blocking
// it (pollResults() on the UI timer); stopping a live run happens on a worker thread (disarming and draining
// in-flight triggers takes up to 0.5 s), so the GUI thread never waits for the core thread.
#pragma once

#include "base/vector_spec.h"
#include "device/open_device.h"
#include "engine/engine.h"
#include "observe/observer.h"
#include "session/replay_player.h"
#include "session/report_export.h"
#include "session/session_backend.h"
#include "stats/aggregator.h"
#include "stats/stats_source.h"
#include "vfio/device_owner.h"

#include <QFuture>
#include <QObject>
#include <QString>

#include <array>
#include <chrono>
#include <memory>
#include <vector>

namespace irqscope::ui {

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
    SessionMode mode() const { return m_backend ? m_backend->mode() : SessionMode::Closed; }
    bool isOpen() const { return m_backend != nullptr; }

    // Live mode: starts the core thread with `settings`, then arms `arm` and starts triggering `trigger`
    // (start-up arming, waited for with a short timeout). Returns an empty string, or a one-line error.
    QString start(const EngineSettings& settings, const std::vector<core::VectorRange>& arm = {},
                  const std::vector<core::VectorRange>& trigger = {});
    // Asynchronous: hands the engine to a worker thread that stops triggering, drains in-flight triggers,
    // disarms everything and joins the core thread; returns at once. stopping() is true until stopFinished(),
    // after which the final snapshot stays on show. Replay and observe stop at once.
    void stop();
    bool stopping() const { return m_backend && m_backend->stopping(); }
    // Blocks until a stop in progress is done (closing, tests).
    void waitStopped();
    // Live: the core thread runs; replay: samples are still being played; observe: the observer samples.
    bool running() const { return m_backend && m_backend->running(); }
    // Incremented by every start(): snapshot generations restart with each aggregator.
    uint64_t epoch() const { return m_epoch; }

    // Queues a command; its result arrives through commandFinished() from a later pollResults(). `what` names
    // it in the log ("arm msix:0-7").
    void post(const core::Command& command, const QString& what);
    // Collects the results that arrived, the end of a replay and a core thread that ended by itself; never
    // waits. Call from the UI timer.
    void pollResults();
    std::size_t pendingCommands() const { return m_backend ? m_backend->pendingCommands() : 0; }

    // ResetStats on the core thread plus the aggregator's histograms.
    void resetStatistics();

    // The newest snapshot: the aggregator's (or observer's) while running, the final one after stop(); null
    // before the first.
    std::shared_ptr<const core::Snapshot> latest() const;

    // Replay mode.
    ReplayPlayer* replay() const { return m_backend ? m_backend->replay() : nullptr; }
    QString recordingPath() const { return m_backend ? m_backend->recordingPath() : QString(); }

    // Observe mode.
    const core::DeviceOwner& owner() const;

    // What an export of what is on show needs (runs later on a worker thread).
    ReportJob reportJob(ReportFormat format, const QString& path, const QString& commandLine) const;

    const core::VectorSlots& slots() const;
    const core::IrqInfo& irqInfo(core::IrqIndex index) const;
    const core::DeviceProfile& profile() const;
    bool deviceCanRaise() const; // the profile raises something, or the device has a command trigger (NVMe)
    const core::DeviceRequest& request() const;
    bool simulated() const { return mode() == SessionMode::Live && request().device == "sim"; }
    QString deviceId() const { return m_backend ? m_backend->deviceId() : QString(); }
    QString deviceDescription() const { return m_backend ? m_backend->deviceDescription() : QString(); }
    const EngineSettings& settings() const;
    // The engine's status (running or last run); default-constructed before the first start.
    core::EngineStatus engineStatus() const { return m_backend ? m_backend->engineStatus() : core::EngineStatus{}; }

Q_SIGNALS:
    void commandFinished(const QString& what, int error, const QString& message);
    void runningChanged(bool running);
    void stopFinished();

private:
    // Turns what a backend reports into this session's signals.
    class Events final : public SessionEvents
    {
    public:
        explicit Events(MeasurementSession& session)
            : m_session(session)
        {}
        void commandFinished(const QString& what, int error, const QString& message) override;
        void runningChanged(bool running) override;
        void stopFinished() override;

    private:
        MeasurementSession& m_session;
    };

    // Installs a backend that just started: a new epoch, and running turns true.
    void started();

    Events m_events{*this};
    std::unique_ptr<SessionBackend> m_backend;
    uint64_t m_epoch = 0;
};

} // namespace irqscope::ui

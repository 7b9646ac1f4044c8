// LiveBackend: a device irqscope opened and drives, on core's LiveRun (rebuilt on each start, because the core
// CPU and scheduling are fixed when the core thread starts). Commands are posted from the GUI thread and their
// results collected by poll() without blocking it; stopping (draining in-flight triggers and disarming takes up
// to the deadline) runs on a worker thread, so the GUI thread never waits for the core thread.
#pragma once

#include "run/live_run.h"
#include "session/session_backend.h"

#include <QFuture>

#include <memory>
#include <utility>
#include <vector>

namespace irqscope::ui {

class LiveBackend final : public SessionBackend
{
public:
    // Opens the device; null and a one-line `error` when it cannot be.
    static std::unique_ptr<LiveBackend> open(const core::DeviceRequest& request, SessionEvents& events, QString& error);
    ~LiveBackend() override; // shutdown()

    SessionMode mode() const override { return SessionMode::Live; }
    void shutdown() override;
    bool running() const override;
    bool shownRunning() const override { return m_shownRunning; }

    // Starts the core thread with `settings`, arms `arm` and starts triggering `trigger` (a range that cannot be
    // triggered is left out, not an error), waiting briefly for each command: the only place the GUI thread
    // waits for the core thread.
    QString start(const EngineSettings& settings, const std::vector<core::VectorRange>& arm,
                  const std::vector<core::VectorRange>& trigger) override;
    // Asynchronous: hands the run to a worker thread that stops it (core/run/live_run.h) and collects the
    // answers still pending; stopFinished() follows from a later poll(). The final snapshot stays on show.
    void stop() override;
    bool stopping() const override { return m_stopInFlight && !m_stopping.isFinished(); }
    void waitStopped() override;

    void post(const core::Command& command, const QString& what) override;
    // Collects results, a finished stop and a core thread that ended by itself.
    void poll() override;
    std::size_t pendingCommands() const override { return m_pending.size(); }
    void resetStatistics() override;

    std::shared_ptr<const core::Snapshot> latest() const override;
    void describe(ReportJob& job) const override;
    QString deviceId() const override;
    QString deviceDescription() const override;
    core::EngineStatus engineStatus() const override;
    const core::DeviceProfile& profile() const override { return m_opened.profile; }
    bool deviceCanRaise() const override { return m_opened.commandTrigger || m_opened.profile.raisesAny(); }
    const EngineSettings& settings() const override { return m_settings; }

private:
    struct Pending
    {
        uint64_t token = 0;
        QString what;
    };
    // What a stop hands to its worker thread, and what comes back.
    struct Retiring
    {
        std::unique_ptr<core::LiveRun> run;
        std::vector<Pending> pending;
    };
    struct StopOutcome
    {
        core::LiveRunEnd end;
        std::vector<std::pair<QString, core::CommandResult>> answered;
        std::vector<QString> unanswered;
    };

    LiveBackend(SessionEvents& events, const core::DeviceRequest& request, core::OpenedDevice opened);
    static StopOutcome retire(Retiring& retiring);
    void collectResults();
    void finishStop(const StopOutcome& outcome);

    core::OpenedDevice m_opened; // outlives every run: a stop in progress still uses it (shutdown() waits)
    EngineSettings m_settings;
    std::unique_ptr<core::LiveRun> m_run;
    std::shared_ptr<CollectorBox> m_collector;
    int64_t m_startWallNs = 0;
    core::EngineStatus m_lastStatus;
    std::shared_ptr<const core::Snapshot> m_final;
    std::vector<Pending> m_pending;
    QFuture<StopOutcome> m_stopping;
    bool m_stopInFlight = false; // m_stopping holds a stop whose outcome was not applied yet
    bool m_shownRunning = false;
};

} // namespace irqscope::ui

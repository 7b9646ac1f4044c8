// ReplayBackend: a recording played into the same aggregator pipeline as a live run (ReplayPlayer), read-only.
#pragma once

#include "session/replay_player.h"
#include "session/session_backend.h"

#include <memory>

namespace irqscope::ui {

class ReplayBackend final : public SessionBackend
{
public:
    // Opens and checks the recording; null and a one-line `error` when it cannot be played.
    static std::unique_ptr<ReplayBackend> open(const QString& path, SessionEvents& events, QString& error);

    // Starts playing at `speed` (1: recorded pace, 0: as fast as possible).
    void play(double speed);

    SessionMode mode() const override { return SessionMode::Replay; }
    bool running() const override { return !m_done; }
    bool shownRunning() const override { return m_shownRunning; }
    // A replay stops where it is: the rest plays as fast as possible, so the statistics end as recorded.
    void stop() override { m_player->setSpeed(0); }
    // Reports the end of the replay once every sample was played.
    void poll() override;

    std::shared_ptr<const core::Snapshot> latest() const override;
    void describe(ReportJob& job) const override { job.recording = m_player->reader(); }
    QString deviceDescription() const override;
    core::EngineStatus engineStatus() const override;
    ReplayPlayer* replay() const override { return m_player.get(); }
    QString recordingPath() const override { return m_path; }

private:
    ReplayBackend(SessionEvents& events, std::unique_ptr<ReplayPlayer> player, const QString& path);

    std::unique_ptr<ReplayPlayer> m_player;
    QString m_path;
    bool m_done = false;
    bool m_shownRunning = false;
    std::shared_ptr<const core::Snapshot> m_final;
};

} // namespace irqscope::ui

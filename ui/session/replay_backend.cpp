#include "session/replay_backend.h"

#include <cerrno>

namespace irqscope::ui {

std::unique_ptr<ReplayBackend> ReplayBackend::open(const QString& path, SessionEvents& events, QString& error)
{
    std::string err;
    auto player = ReplayPlayer::open(path.toStdString(), err);
    if (!player) {
        error = QString::fromStdString(err);
        return nullptr;
    }
    return std::unique_ptr<ReplayBackend>(new ReplayBackend(events, std::move(player), path));
}

ReplayBackend::ReplayBackend(SessionEvents& events, std::unique_ptr<ReplayPlayer> player, const QString& path)
    : SessionBackend(events)
    , m_player(std::move(player))
    , m_path(path)
{
    // The slot layout the recording was made with, so its samples land in the same rows.
    m_slots = core::VectorSlots(m_player->recording().meta.slotCounts);
    m_request.device = m_player->recording().meta.deviceId;
}

void ReplayBackend::play(double speed)
{
    m_player->start(speed);
    m_done = false;
    m_shownRunning = true;
}

void ReplayBackend::poll()
{
    if (m_done || !m_player->finished())
        return;
    m_done = true;
    m_final = m_player->latest();
    const std::string err = m_player->error();
    m_events.commandFinished(QStringLiteral("replay"), err.empty() ? 0 : EINVAL,
                             err.empty() ? QStringLiteral("every recorded sample replayed")
                                         : QString::fromStdString(err));
    m_shownRunning = false;
    m_events.runningChanged(false);
}

std::shared_ptr<const core::Snapshot> ReplayBackend::latest() const
{
    return m_final ? m_final : m_player->latest();
}

QString ReplayBackend::deviceDescription() const
{
    return QStringLiteral("recording of %1").arg(QString::fromStdString(m_player->recording().meta.deviceId));
}

core::EngineStatus ReplayBackend::engineStatus() const
{
    const auto snapshot = m_player->latest();
    return snapshot ? snapshot->engine : core::EngineStatus{};
}

} // namespace irqscope::ui

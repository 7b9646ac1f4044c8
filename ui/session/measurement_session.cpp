// The session holds one backend at a time (session/*_backend.h); what it adds is the open/close lifecycle,
// the epoch and the signals.
#include "session/measurement_session.h"

#include "session/live_backend.h"
#include "session/observe_backend.h"
#include "session/replay_backend.h"

#include <cerrno>

namespace irqscope::ui {

void MeasurementSession::Events::commandFinished(const QString& what, int error, const QString& message)
{
    Q_EMIT m_session.commandFinished(what, error, message);
}

void MeasurementSession::Events::runningChanged(bool running)
{
    Q_EMIT m_session.runningChanged(running);
}

void MeasurementSession::Events::stopFinished()
{
    Q_EMIT m_session.stopFinished();
}

MeasurementSession::MeasurementSession(QObject* parent)
    : QObject(parent)
{}

MeasurementSession::~MeasurementSession()
{
    close();
}

QString MeasurementSession::open(const core::DeviceRequest& request)
{
    close();
    QString error;
    m_backend = LiveBackend::open(request, m_events, error);
    return error;
}

QString MeasurementSession::openRecording(const QString& path, double speed)
{
    close();
    QString error;
    auto replay = ReplayBackend::open(path, m_events, error);
    if (!replay)
        return error;
    replay->play(speed);
    m_backend = std::move(replay);
    started();
    return {};
}

QString MeasurementSession::observe(const QString& bdf, const QString& procRoot, const core::DeviceOwner& owner,
                                    const core::VectorSlots& slots)
{
    close();
    m_backend = std::make_unique<ObserveBackend>(m_events, bdf, procRoot, owner, slots);
    started();
    return {};
}

void MeasurementSession::started()
{
    ++m_epoch;
    Q_EMIT runningChanged(true);
}

void MeasurementSession::close()
{
    if (!m_backend)
        return;
    m_backend->shutdown(); // a live run is stopped and waited for; its stopFinished() still sees this backend
    const bool shownRunning = m_backend->shownRunning();
    m_backend.reset();
    if (shownRunning)
        Q_EMIT runningChanged(false);
}

QString MeasurementSession::start(const EngineSettings& settings, const std::vector<core::VectorRange>& arm,
                                  const std::vector<core::VectorRange>& trigger)
{
    if (!m_backend)
        return QStringLiteral("no device is open");
    QString error = m_backend->start(settings, arm, trigger);
    if (error.isEmpty())
        started();
    return error;
}

void MeasurementSession::stop()
{
    if (m_backend)
        m_backend->stop();
}

void MeasurementSession::waitStopped()
{
    if (m_backend)
        m_backend->waitStopped();
}

void MeasurementSession::post(const core::Command& command, const QString& what)
{
    if (m_backend)
        m_backend->post(command, what);
    else
        Q_EMIT commandFinished(what, ESHUTDOWN, QStringLiteral("the engine is not running: press Start first"));
}

void MeasurementSession::pollResults()
{
    if (m_backend)
        m_backend->poll();
}

void MeasurementSession::resetStatistics()
{
    if (m_backend) {
        m_backend->resetStatistics();
    } else {
        core::Command c;
        c.kind = core::CommandKind::ResetStats;
        post(c, QStringLiteral("reset statistics"));
    }
}

std::shared_ptr<const core::Snapshot> MeasurementSession::latest() const
{
    return m_backend ? m_backend->latest() : nullptr;
}

ReportJob MeasurementSession::reportJob(ReportFormat format, const QString& path, const QString& commandLine) const
{
    ReportJob job;
    job.format = format;
    job.path = path.toStdString();
    if (const auto snapshot = latest())
        job.snapshot = *snapshot;
    job.run.deviceDescription = deviceDescription().toStdString();
    job.run.commandLine = commandLine.toStdString();
    if (m_backend)
        m_backend->describe(job);
    return job;
}

namespace {

// What a closed session answers.
struct ClosedSession
{
    core::VectorSlots slots;
    core::IrqInfo irqInfo;
    core::DeviceProfile profile;
    core::DeviceRequest request;
    EngineSettings settings;
    core::DeviceOwner owner;
};

const ClosedSession& closed()
{
    static const ClosedSession kClosed;
    return kClosed;
}

} // namespace

const core::DeviceOwner& MeasurementSession::owner() const
{
    return m_backend ? m_backend->owner() : closed().owner;
}

const core::VectorSlots& MeasurementSession::slots() const
{
    return m_backend ? m_backend->slots() : closed().slots;
}

const core::IrqInfo& MeasurementSession::irqInfo(core::IrqIndex index) const
{
    return m_backend ? m_backend->irqInfo(index) : closed().irqInfo;
}

const core::DeviceProfile& MeasurementSession::profile() const
{
    return m_backend ? m_backend->profile() : closed().profile;
}

bool MeasurementSession::deviceCanRaise() const
{
    return m_backend ? m_backend->deviceCanRaise() : closed().profile.raisesAny();
}

const core::DeviceRequest& MeasurementSession::request() const
{
    return m_backend ? m_backend->request() : closed().request;
}

const EngineSettings& MeasurementSession::settings() const
{
    return m_backend ? m_backend->settings() : closed().settings;
}

} // namespace irqscope::ui

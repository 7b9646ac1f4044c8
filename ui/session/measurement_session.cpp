// Engine and aggregator lifetime for the dashboard, and non-blocking command results.
#include "session/measurement_session.h"

#include <cerrno>

namespace irqscope::ui {

using namespace std::chrono_literals;

MeasurementSession::MeasurementSession(QObject* parent)
    : QObject(parent)
{}

MeasurementSession::~MeasurementSession()
{
    teardownEngine();
}

QString MeasurementSession::open(const core::DeviceRequest& request)
{
    close();
    m_request = request;
    m_opened = core::openDevice(request);
    if (!m_opened.device)
        return QString::fromStdString(m_opened.error);
    m_slots = core::VectorSlots::fromDevice(*m_opened.device);
    for (uint32_t i = 0; i < core::kNumPciIrqIndexes; ++i) {
        core::IrqInfo info;
        m_irqInfo[i] = m_opened.device->irqInfo(i, info) == 0 ? info : core::IrqInfo{};
    }
    return {};
}

void MeasurementSession::close()
{
    teardownEngine();
    m_opened = core::OpenedDevice{};
    m_slots = core::VectorSlots{};
    m_irqInfo = {};
}

void MeasurementSession::teardownEngine()
{
    if (m_engine)
        m_engine->stop();
    m_aggregator.reset();
    m_source.reset();
    m_engine.reset();
    m_final.reset();
    m_pending.clear();
    if (m_wasRunning) {
        m_wasRunning = false;
        Q_EMIT runningChanged(false);
    }
}

QString MeasurementSession::start(const EngineSettings& settings, const std::vector<core::VectorRange>& arm,
                                  const std::vector<core::VectorRange>& trigger)
{
    if (!m_opened.device)
        return QStringLiteral("no device is open");
    teardownEngine();
    m_settings = settings;
    core::EngineConfig config;
    config.coreCpu = settings.coreCpu;
    config.fifoPriority = settings.fifoPriority;
    config.mlock = settings.mlock;
    config.triggerMode = settings.triggerMode;
    config.rateHz = settings.rateHz;
    config.profile = &m_opened.profile;
    m_engine = std::make_unique<core::Engine>(*m_opened.device, config);
    if (auto error = m_engine->start()) {
        m_engine.reset();
        return QString::fromStdString(*error);
    }
    // Start-up arming: the only place the GUI thread waits for the core thread, briefly.
    for (const auto& run : arm) {
        core::Command c;
        c.kind = core::CommandKind::Arm;
        c.index = run.index;
        c.start = run.start;
        c.count = run.count;
        const auto result = m_engine->execute(c, 2s);
        if (result.error) {
            m_engine->stop();
            m_engine.reset();
            return QString::fromUtf8(result.text().data(), static_cast<qsizetype>(result.text().size()));
        }
    }
    for (const auto& run : trigger) {
        core::Command c;
        c.kind = core::CommandKind::StartTriggering;
        c.index = run.index;
        c.start = run.start;
        c.count = run.count;
        (void)m_engine->execute(c, 2s);
    }
    m_source = std::make_unique<core::EngineStatsSource>(*m_engine);
    m_aggregator = std::make_unique<core::Aggregator>(*m_source);
    m_aggregator->start();
    ++m_epoch;
    m_wasRunning = true;
    Q_EMIT runningChanged(true);
    return {};
}

void MeasurementSession::stop()
{
    if (!m_engine)
        return;
    const bool wasRunning = m_wasRunning;
    m_wasRunning = false;
    m_engine->stop();
    collectResults(); // answers that arrived before the stop
    for (const auto& p : m_pending)
        Q_EMIT commandFinished(p.what, ESHUTDOWN, QStringLiteral("not answered: the core thread stopped"));
    m_pending.clear();
    if (m_aggregator)
        m_final = m_aggregator->finalSnapshot();
    if (wasRunning)
        Q_EMIT runningChanged(false);
}

bool MeasurementSession::running() const
{
    return m_engine && m_engine->running();
}

void MeasurementSession::post(const core::Command& command, const QString& what)
{
    if (!running()) {
        Q_EMIT commandFinished(what, ESHUTDOWN, QStringLiteral("the engine is not running: press Start first"));
        return;
    }
    const uint64_t token = m_engine->post(command);
    if (token == 0) {
        Q_EMIT commandFinished(what, EAGAIN, QStringLiteral("the command ring is full: try again"));
        return;
    }
    m_pending.push_back({token, what});
}

void MeasurementSession::collectResults()
{
    for (std::size_t i = 0; i < m_pending.size();) {
        if (auto result = m_engine->waitResult(m_pending[i].token, 0ms)) {
            const Pending done = m_pending[i];
            m_pending.erase(m_pending.begin() + static_cast<std::ptrdiff_t>(i));
            Q_EMIT commandFinished(
                done.what, result->error,
                QString::fromUtf8(result->text().data(), static_cast<qsizetype>(result->text().size())));
        } else {
            ++i;
        }
    }
}

void MeasurementSession::pollResults()
{
    if (!m_engine)
        return;
    collectResults();
    if (m_wasRunning && !m_engine->running()) {
        // The core thread ended by itself (an error): show why, and keep its last numbers.
        const QString reason = QString::fromStdString(m_engine->status().stopReason);
        stop();
        Q_EMIT commandFinished(QStringLiteral("engine"), ECANCELED, QStringLiteral("core thread stopped: ") + reason);
    }
}

void MeasurementSession::resetStatistics()
{
    core::Command c;
    c.kind = core::CommandKind::ResetStats;
    post(c, QStringLiteral("reset statistics"));
    if (m_aggregator)
        m_aggregator->resetHistograms();
}

std::shared_ptr<const core::Snapshot> MeasurementSession::latest() const
{
    if (m_final)
        return m_final;
    return m_aggregator ? m_aggregator->latest() : nullptr;
}

QString MeasurementSession::deviceId() const
{
    return m_opened.device ? QString::fromStdString(m_opened.device->info().id) : QString();
}

QString MeasurementSession::deviceDescription() const
{
    return m_opened.device ? QString::fromStdString(m_opened.device->info().description) : QString();
}

core::EngineStatus MeasurementSession::engineStatus() const
{
    return m_engine ? m_engine->status() : core::EngineStatus{};
}

} // namespace irqscope::ui

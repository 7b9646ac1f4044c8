// Engine, replay and observer lifetimes for the dashboard, non-blocking command results and the asynchronous
// stop.
#include "session/measurement_session.h"

#include "base/monotonic_clock.h"
#include "report/json_report.h"

#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cerrno>
#include <ctime>

namespace irqscope::ui {

using namespace std::chrono_literals;

namespace {

int64_t wallNowNs()
{
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

QString resultText(const core::CommandResult& result)
{
    return QString::fromUtf8(result.text().data(), static_cast<qsizetype>(result.text().size()));
}

} // namespace

struct MeasurementSession::Retiring
{
    std::unique_ptr<core::Engine> engine;
    std::unique_ptr<core::EngineStatsSource> source;
    std::unique_ptr<core::Aggregator> aggregator;
    std::vector<Pending> pending;
};

MeasurementSession::MeasurementSession(QObject* parent)
    : QObject(parent)
{}

MeasurementSession::~MeasurementSession()
{
    teardown();
}

QString MeasurementSession::open(const core::DeviceRequest& request)
{
    close();
    m_request = request;
    m_opened = core::openDevice(request);
    if (!m_opened.device)
        return QString::fromStdString(m_opened.error);
    m_mode = SessionMode::Live;
    m_slots = core::vectorSlotsOf(*m_opened.device);
    for (uint32_t i = 0; i < core::kNumPciIrqIndexes; ++i) {
        core::IrqInfo info;
        m_irqInfo[i] = m_opened.device->irqInfo(i, info) == 0 ? info : core::IrqInfo{};
    }
    return {};
}

QString MeasurementSession::openRecording(const QString& path, double speed)
{
    close();
    std::string error;
    m_replay = ReplayPlayer::open(path.toStdString(), error);
    if (!m_replay)
        return QString::fromStdString(error);
    m_mode = SessionMode::Replay;
    m_recordingPath = path;
    // The slot layout the recording was made with, so its samples land in the same rows.
    m_slots = core::VectorSlots(m_replay->recording().meta.slotCounts);
    m_request = {};
    m_request.device = m_replay->recording().meta.deviceId;
    m_replay->start(speed);
    m_replayDone = false;
    ++m_epoch;
    m_wasRunning = true;
    Q_EMIT runningChanged(true);
    return {};
}

QString MeasurementSession::observe(const QString& bdf, const QString& procRoot, const core::DeviceOwner& owner,
                                    const core::VectorSlots& slots)
{
    close();
    m_slots = slots;
    core::ObserverConfig config;
    config.bdf = bdf.toStdString();
    config.procRoot = procRoot.toStdString();
    m_observer = std::make_unique<core::Observer>(config);
    m_observer->start();
    m_mode = SessionMode::Observe;
    m_owner = owner;
    m_observedBdf = bdf;
    m_request = {};
    m_request.device = config.bdf;
    ++m_epoch;
    m_wasRunning = true;
    Q_EMIT runningChanged(true);
    return {};
}

void MeasurementSession::close()
{
    teardown();
    m_mode = SessionMode::Closed;
    m_opened = core::OpenedDevice{};
    m_slots = core::VectorSlots{};
    m_irqInfo = {};
}

void MeasurementSession::teardown()
{
    if (m_engine)
        stop();
    waitStopped();
    m_replay.reset();
    m_recordingPath.clear();
    m_observer.reset();
    m_observedSource.reset();
    m_observedInSlots.reset();
    m_owner = {};
    m_observedBdf.clear();
    m_collector.reset();
    m_final.reset();
    m_pending.clear();
    m_lastStatus = {};
    if (m_wasRunning) {
        m_wasRunning = false;
        Q_EMIT runningChanged(false);
    }
}

QString MeasurementSession::start(const EngineSettings& settings, const std::vector<core::VectorRange>& arm,
                                  const std::vector<core::VectorRange>& trigger)
{
    if (m_mode != SessionMode::Live || !m_opened.device)
        return QStringLiteral("no device is open");
    if (m_engine)
        stop();
    waitStopped();
    m_final.reset();
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
            return resultText(result);
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
    const core::EngineStatus status = m_engine->status();
    core::CollectorConfig collector;
    collector.originNs = status.startedNs > 0 ? status.startedNs : core::monotonicNs();
    m_collector = std::make_shared<CollectorBox>(m_slots.size(), collector);
    m_startWallNs = wallNowNs();
    m_source = std::make_unique<core::EngineStatsSource>(*m_engine);
    m_aggregator = std::make_unique<core::Aggregator>(*m_source);
    // The report collector sees every sample the aggregator drains, on the aggregator's thread.
    m_aggregator->setSampleSink([box = m_collector](const core::Sample* samples, std::size_t count) {
        std::lock_guard lock(box->mutex);
        box->collector.add(samples, count);
    });
    m_aggregator->start();
    ++m_epoch;
    m_wasRunning = true;
    Q_EMIT runningChanged(true);
    return {};
}

void MeasurementSession::stop()
{
    if (m_mode == SessionMode::Replay && m_replay) {
        // A replay stops where it is: the rest plays as fast as possible, so the statistics end as recorded.
        m_replay->setSpeed(0);
        return;
    }
    if (m_mode == SessionMode::Observe && m_observer) {
        m_final = inDeviceSlots(m_observer->finalSnapshot());
        if (m_wasRunning) {
            m_wasRunning = false;
            Q_EMIT runningChanged(false);
        }
        return;
    }
    if (!m_engine || stopping())
        return;
    collectResults(); // answers that arrived before the stop
    auto retiring = std::make_shared<Retiring>();
    retiring->engine = std::move(m_engine);
    retiring->source = std::move(m_source);
    retiring->aggregator = std::move(m_aggregator);
    retiring->pending = std::move(m_pending);
    m_pending.clear();
    // The device stays open (close() waits for this), so the engine's reference to it stays valid.
    m_stopping = QtConcurrent::run([retiring]() {
        StopOutcome out;
        retiring->engine->stop();
        for (const auto& p : retiring->pending) {
            if (auto result = retiring->engine->waitResult(p.token, 0ms))
                out.answered.emplace_back(p.what, *result);
            else
                out.unanswered.push_back(p.what);
        }
        if (retiring->aggregator)
            out.final = retiring->aggregator->finalSnapshot();
        out.status = retiring->engine->status();
        retiring->aggregator.reset();
        retiring->source.reset();
        retiring->engine.reset();
        return out;
    });
    m_stopInFlight = true;
    // running() turns false now: the controls reflect "stopping…" until stopFinished().
    Q_EMIT runningChanged(false);
}

void MeasurementSession::waitStopped()
{
    if (!m_stopInFlight)
        return;
    m_stopping.waitForFinished();
    finishStop(m_stopping.result());
}

void MeasurementSession::finishStop(const StopOutcome& outcome)
{
    m_stopInFlight = false;
    m_stopping = QFuture<StopOutcome>();
    for (const auto& [what, result] : outcome.answered)
        Q_EMIT commandFinished(what, result.error, resultText(result));
    for (const auto& what : outcome.unanswered)
        Q_EMIT commandFinished(what, ESHUTDOWN, QStringLiteral("not answered: the core thread stopped"));
    m_final = outcome.final;
    m_lastStatus = outcome.status;
    m_wasRunning = false;
    Q_EMIT stopFinished();
}

bool MeasurementSession::running() const
{
    switch (m_mode) {
    case SessionMode::Live:
        return m_engine && m_engine->running();
    case SessionMode::Replay:
        return m_replay && !m_replayDone;
    case SessionMode::Observe:
        return m_wasRunning;
    case SessionMode::Closed:
        break;
    }
    return false;
}

void MeasurementSession::post(const core::Command& command, const QString& what)
{
    if (m_mode != SessionMode::Live || !m_engine || !m_engine->running()) {
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
            Q_EMIT commandFinished(done.what, result->error, resultText(*result));
        } else {
            ++i;
        }
    }
}

void MeasurementSession::pollResults()
{
    if (m_stopInFlight && m_stopping.isFinished())
        finishStop(m_stopping.result());
    if (m_mode == SessionMode::Replay && m_replay && !m_replayDone && m_replay->finished()) {
        m_replayDone = true;
        m_final = m_replay->latest();
        const std::string err = m_replay->error();
        Q_EMIT commandFinished(QStringLiteral("replay"), err.empty() ? 0 : EINVAL,
                               err.empty() ? QStringLiteral("every recorded sample replayed")
                                           : QString::fromStdString(err));
        m_wasRunning = false;
        Q_EMIT runningChanged(false);
        return;
    }
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
    switch (m_mode) {
    case SessionMode::Live:
        return m_aggregator ? m_aggregator->latest() : nullptr;
    case SessionMode::Replay:
        return m_replay ? m_replay->latest() : nullptr;
    case SessionMode::Observe:
        return m_observer ? inDeviceSlots(m_observer->latest()) : nullptr;
    case SessionMode::Closed:
        break;
    }
    return nullptr;
}

std::shared_ptr<const core::Snapshot>
MeasurementSession::inDeviceSlots(const std::shared_ptr<const core::Snapshot>& observed) const
{
    // The observer numbers the vectors it saw in its own order; the table's rows are the device's slots.
    if (!observed || observed == m_observedSource)
        return observed ? m_observedInSlots : nullptr;
    auto copy = std::make_shared<core::Snapshot>(*observed);
    std::vector<core::VectorSnapshot> kept;
    for (auto& v : copy->vectors) {
        if (!m_slots.contains(v.id))
            continue;
        v.slot = m_slots.slot(v.id);
        kept.push_back(std::move(v));
    }
    std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.slot < b.slot; });
    copy->vectors = std::move(kept);
    m_observedSource = observed;
    m_observedInSlots = std::move(copy);
    return m_observedInSlots;
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
    job.startWallNs = m_startWallNs;
    switch (m_mode) {
    case SessionMode::Replay:
        job.recording = m_replay->reader();
        break;
    case SessionMode::Observe: {
        core::ObserveDescription d;
        d.owner = m_owner;
        d.intervalNs = 1'000'000'000;
        d.startNs = m_observer->startNs();
        d.samples = m_observer->samples();
        d.skipped = m_observer->skipped();
        job.observe = d;
        job.observeEvents = m_observer->events();
        job.run.stopReason = "observed (irqscope-gui)";
        break;
    }
    case SessionMode::Live: {
        std::vector<std::string> armed;
        for (const auto& v : job.snapshot.vectors) {
            if (v.counters.state & core::vstate::kArmed)
                armed.push_back(v.name);
        }
        for (std::size_t i = 0; i < armed.size(); ++i)
            job.run.vectors += (i ? "," : "") + armed[i];
        job.run.trigger = std::string(core::triggerModeName(m_settings.triggerMode));
        job.run.rateHz = m_settings.rateHz;
        job.run.deadlineNs = core::EngineConfig{}.deadline.count();
        if (m_request.device == "sim")
            job.run.simKernel = std::string(core::simKernelName(m_request.sim.kernel));
        job.run.stopReason = running() ? "exported while running (irqscope-gui)" : "stopped (irqscope-gui)";
        job.coreCpu = engineStatus().coreCpu;
        job.live = m_collector;
        break;
    }
    case SessionMode::Closed:
        break;
    }
    return job;
}

QString MeasurementSession::deviceId() const
{
    switch (m_mode) {
    case SessionMode::Live:
        return QString::fromStdString(m_opened.device->info().id);
    case SessionMode::Replay:
    case SessionMode::Observe:
        return QString::fromStdString(m_request.device);
    case SessionMode::Closed:
        break;
    }
    return {};
}

QString MeasurementSession::deviceDescription() const
{
    switch (m_mode) {
    case SessionMode::Live:
        return QString::fromStdString(m_opened.device->info().description);
    case SessionMode::Replay:
        return QStringLiteral("recording of %1").arg(QString::fromStdString(m_replay->recording().meta.deviceId));
    case SessionMode::Observe:
        return QStringLiteral("%1 (observed)").arg(m_observedBdf);
    case SessionMode::Closed:
        break;
    }
    return {};
}

core::EngineStatus MeasurementSession::engineStatus() const
{
    if (m_engine)
        return m_engine->status();
    if (m_mode == SessionMode::Replay && m_replay)
        return m_replay->latest() ? m_replay->latest()->engine : core::EngineStatus{};
    return m_lastStatus;
}

} // namespace irqscope::ui

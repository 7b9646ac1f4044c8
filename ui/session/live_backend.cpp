// The live session: LiveRun lifetimes, non-blocking command results and the stop on a worker thread.
#include "session/live_backend.h"

#include "base/monotonic_clock.h"
#include "run/vector_ranges.h"

#include <QtConcurrent/QtConcurrentRun>

#include <cerrno>

namespace irqscope::ui {

using namespace std::chrono_literals;

namespace {

QString resultText(const core::CommandResult& result)
{
    return QString::fromUtf8(result.text().data(), static_cast<qsizetype>(result.text().size()));
}

} // namespace

std::unique_ptr<LiveBackend> LiveBackend::open(const core::DeviceRequest& request, SessionEvents& events,
                                               QString& error)
{
    core::OpenedDevice opened = core::openDevice(request);
    if (!opened.device) {
        error = QString::fromStdString(opened.error);
        return nullptr;
    }
    return std::unique_ptr<LiveBackend>(new LiveBackend(events, request, std::move(opened)));
}

LiveBackend::LiveBackend(SessionEvents& events, const core::DeviceRequest& request, core::OpenedDevice opened)
    : SessionBackend(events)
    , m_opened(std::move(opened))
{
    m_request = request;
    m_slots = core::vectorSlotsOf(*m_opened.device);
    for (uint32_t i = 0; i < core::kNumPciIrqIndexes; ++i) {
        core::IrqInfo info;
        m_irqInfo[i] = m_opened.device->irqInfo(i, info) == 0 ? info : core::IrqInfo{};
    }
}

LiveBackend::~LiveBackend()
{
    shutdown();
}

void LiveBackend::shutdown()
{
    if (m_run)
        stop();
    waitStopped();
}

QString LiveBackend::start(const EngineSettings& settings, const std::vector<core::VectorRange>& arm,
                           const std::vector<core::VectorRange>& trigger)
{
    if (m_run)
        stop();
    waitStopped();
    m_final.reset();
    m_settings = settings;
    core::LiveRunConfig config;
    config.engine.coreCpu = settings.coreCpu;
    config.engine.fifoPriority = settings.fifoPriority;
    config.engine.mlock = settings.mlock;
    config.engine.triggerMode = settings.triggerMode;
    config.engine.rateHz = settings.rateHz;
    config.commandTimeout = 2s;
    auto run = std::make_unique<core::LiveRun>(m_opened, config);
    // Bad ranges are found before the device is touched, as `irqscope run` finds them: every armed range must
    // exist, and a triggered one must also be one the profile can raise (LiveRun::resolve).
    std::vector<core::VectorRange> armRanges = arm;
    for (auto& range : armRanges) {
        if (const std::string error =
                core::resolveVectorRange(range, run->engine().slots(), m_opened.device->info().id);
            !error.empty())
            return QString::fromStdString(error);
    }
    std::vector<core::VectorRange> triggerRanges = trigger;
    if (const std::string error = run->resolve(triggerRanges); !error.empty())
        return QString::fromStdString(error);
    if (auto error = run->startEngine())
        return QString::fromStdString(*error);
    if (const std::string error = run->arm(armRanges); !error.empty())
        return QString::fromStdString(error); // the LiveRun goes: whatever was armed is disarmed
    if (const std::string error = run->startTriggering(triggerRanges); !error.empty())
        return QString::fromStdString(error);
    const core::EngineStatus status = run->engine().status();
    core::CollectorConfig collector;
    collector.originNs = status.startedNs > 0 ? status.startedNs : core::monotonicNs();
    m_collector = std::make_shared<CollectorBox>(m_slots.size(), collector);
    m_startWallNs = core::realtimeNs();
    // The report collector sees every sample the aggregator drains, on the aggregator's thread.
    run->startAggregator({}, [box = m_collector](core::Aggregator& aggregator) {
        aggregator.setSampleSink([box](const core::Sample* samples, std::size_t count) {
            std::lock_guard lock(box->mutex);
            box->collector.add(samples, count);
        });
    });
    m_run = std::move(run);
    m_shownRunning = true;
    return {};
}

LiveBackend::StopOutcome LiveBackend::retire(Retiring& retiring)
{
    StopOutcome out;
    out.end = retiring.run->stop();
    for (const auto& p : retiring.pending) {
        if (auto result = retiring.run->engine().waitResult(p.token, 0ms))
            out.answered.emplace_back(p.what, *result);
        else
            out.unanswered.push_back(p.what);
    }
    retiring.run.reset();
    return out;
}

void LiveBackend::stop()
{
    if (!m_run || stopping())
        return;
    collectResults(); // answers that arrived before the stop
    auto retiring = std::make_shared<Retiring>();
    retiring->run = std::move(m_run);
    retiring->pending = std::move(m_pending);
    m_pending.clear();
    // The device stays open (shutdown() waits for this), so the run's reference to it stays valid.
    m_stopping = QtConcurrent::run([retiring]() { return retire(*retiring); });
    m_stopInFlight = true;
    // running() turns false now: the controls reflect "stopping…" until stopFinished().
    m_events.runningChanged(false);
}

void LiveBackend::waitStopped()
{
    if (!m_stopInFlight)
        return;
    m_stopping.waitForFinished();
    finishStop(m_stopping.result());
}

void LiveBackend::finishStop(const StopOutcome& outcome)
{
    m_stopInFlight = false;
    m_stopping = QFuture<StopOutcome>();
    for (const auto& [what, result] : outcome.answered)
        m_events.commandFinished(what, result.error, resultText(result));
    for (const auto& what : outcome.unanswered)
        m_events.commandFinished(what, ESHUTDOWN, QStringLiteral("not answered: the core thread stopped"));
    m_final = outcome.end.final;
    m_lastStatus = outcome.end.status;
    m_shownRunning = false;
    m_events.stopFinished();
}

bool LiveBackend::running() const
{
    return m_run && m_run->engine().running();
}

void LiveBackend::post(const core::Command& command, const QString& what)
{
    if (!running()) {
        SessionBackend::post(command, what);
        return;
    }
    const uint64_t token = m_run->engine().post(command);
    if (token == 0) {
        m_events.commandFinished(what, EAGAIN, QStringLiteral("the command ring is full: try again"));
        return;
    }
    m_pending.push_back({token, what});
}

void LiveBackend::collectResults()
{
    for (std::size_t i = 0; i < m_pending.size();) {
        if (auto result = m_run->engine().waitResult(m_pending[i].token, 0ms)) {
            const Pending done = m_pending[i];
            m_pending.erase(m_pending.begin() + static_cast<std::ptrdiff_t>(i));
            m_events.commandFinished(done.what, result->error, resultText(*result));
        } else {
            ++i;
        }
    }
}

void LiveBackend::poll()
{
    if (m_stopInFlight && m_stopping.isFinished())
        finishStop(m_stopping.result());
    if (!m_run)
        return;
    collectResults();
    if (m_shownRunning && !m_run->engine().running()) {
        // The core thread ended by itself (an error): show why, and keep its last numbers.
        const QString reason = QString::fromStdString(m_run->engine().status().stopReason);
        stop();
        m_events.commandFinished(QStringLiteral("engine"), ECANCELED, QStringLiteral("core thread stopped: ") + reason);
    }
}

void LiveBackend::resetStatistics()
{
    SessionBackend::resetStatistics();
    if (m_run && m_run->aggregator())
        m_run->aggregator()->resetHistograms();
}

std::shared_ptr<const core::Snapshot> LiveBackend::latest() const
{
    if (m_final)
        return m_final;
    return m_run ? m_run->latest() : nullptr;
}

void LiveBackend::describe(ReportJob& job) const
{
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
    job.startWallNs = m_startWallNs;
}

QString LiveBackend::deviceId() const
{
    return QString::fromStdString(m_opened.device->info().id);
}

QString LiveBackend::deviceDescription() const
{
    return QString::fromStdString(m_opened.device->info().description);
}

core::EngineStatus LiveBackend::engineStatus() const
{
    return m_run ? m_run->engine().status() : m_lastStatus;
}

} // namespace irqscope::ui

// The dashboard's commands: opening a device, starting and stopping the engine, posting vector commands for the
// selection (results arrive in the command log), enabling each control only where it can work, and the report.
#include "main_window.h"

#include "charts/histogram_chart.h"
#include "charts/time_series_chart.h"
#include "format/display_text.h"
#include "models/vector_filter_proxy.h"
#include "models/vector_table_model.h"
#include "session/vector_runs.h"
#include "vfio/discovery.h"
#include "widgets/command_log.h"
#include "widgets/device_dialog.h"
#include "widgets/engine_settings_panel.h"
#include "widgets/status_panel.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFileDialog>
#include <QFutureWatcher>
#include <QItemSelectionModel>
#include <QProgressBar>
#include <QStatusBar>
#include <QTableView>
#include <QtConcurrent/QtConcurrentRun>

#include <array>
#include <cerrno>

namespace irqscope::ui {

namespace {

// Every vector in `snapshot` whose state has `bit`, as command ranges.
std::vector<core::VectorRange> runsWithState(const core::VectorSlots& slots, const core::Snapshot* snapshot,
                                             uint32_t bit)
{
    std::vector<uint32_t> list;
    if (snapshot) {
        for (const auto& v : snapshot->vectors) {
            if (v.counters.state & bit)
                list.push_back(v.slot);
        }
    }
    return slotRuns(slots, std::move(list));
}

void setEnabledWhy(QAction* action, bool enabled, const QString& whyNot)
{
    action->setEnabled(enabled);
    action->setToolTip(enabled || whyNot.isEmpty() ? action->property("baseToolTip").toString() : whyNot);
}

} // namespace

void MainWindow::connectActions()
{
    connect(m_actions.open, &QAction::triggered, this, &MainWindow::chooseDevice);
    connect(m_actions.start, &QAction::triggered, this, &MainWindow::startEngine);
    connect(m_actions.stop, &QAction::triggered, this, &MainWindow::stopEngine);
    connect(m_actions.arm, &QAction::triggered, this,
            [this] { sendToSelection(core::CommandKind::Arm, QStringLiteral("arm")); });
    connect(m_actions.disarm, &QAction::triggered, this,
            [this] { sendToSelection(core::CommandKind::Disarm, QStringLiteral("disarm")); });
    connect(m_actions.triggerOnce, &QAction::triggered, this,
            [this] { sendToSelection(core::CommandKind::TriggerOnce, QStringLiteral("trigger once")); });
    connect(m_actions.triggerStart, &QAction::triggered, this,
            [this] { sendToSelection(core::CommandKind::StartTriggering, QStringLiteral("start triggering")); });
    connect(m_actions.triggerStop, &QAction::triggered, this,
            [this] { sendToSelection(core::CommandKind::StopTriggering, QStringLiteral("stop triggering")); });
    connect(m_actions.mask, &QAction::triggered, this,
            [this] { sendToSelection(core::CommandKind::Mask, QStringLiteral("mask")); });
    connect(m_actions.unmask, &QAction::triggered, this,
            [this] { sendToSelection(core::CommandKind::Unmask, QStringLiteral("unmask")); });
    connect(m_actions.reset, &QAction::triggered, this, [this] {
        m_session.resetStatistics();
        m_history.clear();
    });
    connect(m_actions.exportReport, &QAction::triggered, this, &MainWindow::chooseExportFile);
    connect(m_actions.openRecording, &QAction::triggered, this, &MainWindow::chooseRecording);
    connect(m_actions.replayFullSpeed, &QAction::triggered, this, [this] {
        if (m_session.replay())
            m_session.replay()->setSpeed(0);
        updateActions();
    });
    connect(&m_session, &MeasurementSession::stopFinished, this, &MainWindow::engineStopped);
    connect(m_actions.activeOnly, &QAction::toggled, m_proxy, &VectorFilterProxy::setActiveOnly);
    connect(m_actions.quit, &QAction::triggered, this, &QWidget::close);

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        selectionMayHaveChanged();
        updateActions();
        updateCharted();
    });
    // What can change the selected slots without selectionChanged: a reset clears the selection silently, a
    // filter drops rows, a re-sort moves them (connected after the selection model, so it has caught up).
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &MainWindow::selectionMayHaveChanged);
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &MainWindow::selectionMayHaveChanged);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &MainWindow::selectionMayHaveChanged);
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, &MainWindow::selectionMayHaveChanged);
    connect(&m_session, &MeasurementSession::commandFinished, m_log, &CommandLog::addResult);
    connect(&m_session, &MeasurementSession::commandFinished, this,
            [this](const QString& what, int error, const QString& message) {
                statusBar()->showMessage(what + (error ? QStringLiteral(" failed: ") : QStringLiteral(": ")) + message,
                                         5000);
            });
    connect(&m_session, &MeasurementSession::runningChanged, this, &MainWindow::updateActions);
    connect(m_settingsPanel, &EngineSettingsPanel::rateChanged, this, [this](double hz) {
        if (!m_session.running())
            return;
        core::Command c;
        c.kind = core::CommandKind::SetRate;
        c.value = hz;
        m_session.post(c, QStringLiteral("set rate %1 Hz").arg(hz));
    });
    connect(m_settingsPanel, &EngineSettingsPanel::triggerModeChanged, this, [this](core::TriggerMode mode) {
        if (!m_session.running())
            return;
        core::Command c;
        c.kind = core::CommandKind::SetTriggerMode;
        c.mode = mode;
        m_session.post(c, QStringLiteral("trigger mode ") +
                              QString::fromLatin1(core::triggerModeName(mode).data(),
                                                  static_cast<qsizetype>(core::triggerModeName(mode).size())));
    });
}

QString MainWindow::readOnlyReason() const
{
    switch (m_session.mode()) {
    case SessionMode::Replay:
        return QStringLiteral("A recording is read-only: open a device (Ctrl+O) to arm, trigger or mask vectors");
    case SessionMode::Observe:
        return QStringLiteral("Observing: %1 (pid %2) owns this device, so irqscope cannot arm, trigger or mask "
                              "its vectors")
            .arg(QString::fromStdString(m_session.owner().name), QString::number(m_session.owner().pid));
    case SessionMode::Live:
    case SessionMode::Closed:
        break;
    }
    return {};
}

void MainWindow::updateActions()
{
    const bool open = m_session.isOpen();
    const bool live = m_session.mode() == SessionMode::Live;
    const bool running = live && m_session.running();
    const bool stopping = m_session.stopping();
    const std::vector<uint32_t> slots = selectedSlots();
    const QString readOnly = readOnlyReason();
    const QString stoppingWhy =
        QStringLiteral("Stopping: disarming the vectors and draining in-flight triggers (up to 0.5 s)…");
    QString why;
    if (stopping)
        why = stoppingWhy;
    else if (!readOnly.isEmpty())
        why = readOnly;
    else if (!open)
        why = QStringLiteral("Open a device first (Ctrl+O)");
    else if (!running)
        why = QStringLiteral("The engine is stopped: press Start (F5)");
    else if (slots.empty())
        why = QStringLiteral("Select vectors in the table first");
    const bool canCommand = why.isEmpty();
    for (QAction* a :
         {m_actions.arm, m_actions.disarm, m_actions.triggerOnce, m_actions.triggerStart, m_actions.triggerStop})
        setEnabledWhy(a, canCommand, why);

    // Masking: only indexes whose GET_IRQ_INFO says MASKABLE (INTx); the kernel answers ENOTTY for MSI/MSI-X.
    QString maskWhy = why;
    if (canCommand) {
        for (uint32_t slot : slots) {
            const core::IrqIndex index = m_session.slots().id(slot).index;
            if (!m_session.irqInfo(index).maskable()) {
                maskWhy = QStringLiteral("%1 vectors cannot be masked through VFIO: the kernel answers ENOTTY for "
                                         "MSI/MSI-X masking (only INTx is maskable, docs/kernel-vfio-irq.md §2.2)")
                              .arg(indexLabel(index));
                break;
            }
        }
    }
    setEnabledWhy(m_actions.mask, maskWhy.isEmpty(), maskWhy);
    setEnabledWhy(m_actions.unmask, maskWhy.isEmpty(), maskWhy);

    const QString engineWhy = stopping              ? stoppingWhy
                              : !readOnly.isEmpty() ? readOnly
                              : open                ? QString()
                                                    : QStringLiteral("Open a device first");
    setEnabledWhy(m_actions.start, engineWhy.isEmpty() && !running,
                  engineWhy.isEmpty() ? QStringLiteral("The engine is running") : engineWhy);
    const bool replaying = m_session.mode() == SessionMode::Replay && m_session.running();
    setEnabledWhy(m_actions.stop, running && !stopping,
                  stopping             ? stoppingWhy
                  : readOnly.isEmpty() ? QStringLiteral("The engine is not running")
                                       : readOnly);
    setEnabledWhy(m_actions.reset, running && !stopping,
                  !engineWhy.isEmpty() ? engineWhy : QStringLiteral("The engine is not running"));
    setEnabledWhy(m_actions.replayFullSpeed, replaying && m_session.replay()->speed() > 0,
                  m_session.mode() == SessionMode::Replay ? QStringLiteral("The recording is replayed to its end")
                                                          : QStringLiteral("Only a recording is replayed"));
    const bool canExport = m_session.latest() != nullptr && !exporting() && !stopping;
    setEnabledWhy(m_actions.exportReport, canExport,
                  exporting() ? QStringLiteral("A report is being written")
                  : stopping  ? stoppingWhy
                              : QStringLiteral("Nothing measured yet"));
    setEnabledWhy(m_actions.open, !stopping, stoppingWhy);
    setEnabledWhy(m_actions.openRecording, !stopping, stoppingWhy);
    m_settingsPanel->setControlsEnabled(engineWhy.isEmpty() && live, engineWhy);
    updateHostNote();
}

void MainWindow::sendToSelection(core::CommandKind kind, const QString& verb)
{
    for (const core::VectorRange& run : slotRuns(m_session.slots(), selectedSlots())) {
        core::Command c;
        c.kind = kind;
        c.index = run.index;
        c.start = run.start;
        c.count = run.count;
        if (kind == core::CommandKind::StartTriggering || kind == core::CommandKind::TriggerOnce)
            c.mode = m_settingsPanel->settings().triggerMode;
        m_session.post(c, verb + QStringLiteral(" ") + runsText({run}));
    }
}

void MainWindow::resetView()
{
    m_session.close();
    m_shown.reset();
    m_slowPending = false;
    m_slowShownNs = 0; // the next device's first snapshot shows at once
    m_charted.clear();
    m_rearm.clear();
    m_retrigger.clear();
    m_model->setVectors({});
    m_history.reset(0);
    showBanner({}, false);
    m_latencyChart->chart()->setTitle(m_latencyTitle);
    m_histogramChart->chart()->setTitle(m_histogramTitle);
    showObservedColumnsOnly(false);
}

bool MainWindow::openDevice(const QString& device, const QString& profilePath)
{
    core::DeviceRequest request;
    request.device = device.toStdString();
    request.profilePath = profilePath.toStdString();
    return openDevice(request);
}

bool MainWindow::openDevice(const core::DeviceRequest& request)
{
    const QString device = QString::fromStdString(request.device);
    resetView();
    m_status->setDevice(device);

    // A PCI device: look before opening. One another process owns (usually QEMU) is observed, not opened.
    std::optional<core::DiscoveredDevice> described;
    if (auto bdf = core::normalizeBdf(request.device))
        described = describeDevice(*bdf, m_roots);
    if (described && !described->owner.empty()) {
        observeDevice(*described);
        return m_session.running();
    }
    QString error = m_session.open(request);
    if (!error.isEmpty()) {
        // Say why in discovery's words when it knows (not bound to vfio-pci, no permission, ...).
        if (described && !described->problem.empty())
            error = QString::fromStdString(described->problem);
        showBanner(QStringLiteral("Cannot open %1: %2").arg(device, error), false);
        m_log->addNote(QStringLiteral("open %1 failed: %2").arg(device, error));
        updateActions();
        return false;
    }
    setWindowTitle(QStringLiteral("irqscope — %1").arg(m_session.deviceDescription()));
    m_status->setDevice(m_session.deviceId());
    m_model->setVectors(m_session.slots());
    m_history.reset(m_session.slots().size());
    bool canRaise = false;
    for (const auto& recipe : m_session.profile().indexes)
        canRaise = canRaise || recipe.deviceRaise;
    m_settingsPanel->setDeviceTriggerAvailable(
        canRaise, QStringLiteral("The device profile '%1' does not say how to raise any vector: use loopback, or "
                                 "--profile with a profile that does")
                      .arg(QString::fromStdString(m_session.profile().name)));
    m_log->addNote(QStringLiteral("opened %1 (profile %2)")
                       .arg(m_session.deviceDescription(), QString::fromStdString(m_session.profile().name)));

    // The simulated device is for looking around: start measuring its first MSI-X vectors at once. A real
    // device is never armed without the user asking.
    if (device == QStringLiteral("sim")) {
        const uint32_t msix = m_session.slots().count(core::IrqIndex::Msix);
        if (msix) {
            m_rearm = {{core::IrqIndex::Msix, 0, std::min<uint32_t>(msix, 8)}};
            m_retrigger = m_rearm;
        }
    }
    startEngine();
    return m_session.running();
}

void MainWindow::observeDevice(const core::DiscoveredDevice& device)
{
    const QString bdf = QString::fromStdString(device.bdf);
    std::array<uint32_t, core::kNumPciIrqIndexes> counts{};
    for (uint32_t i = 0; i < core::kNumPciIrqIndexes; ++i)
        counts[i] = device.irqs[i].count;
    core::DeviceOwner owner;
    owner.name = device.owner;
    owner.pid = device.ownerPid;
    const QString error =
        m_session.observe(bdf, QString::fromStdString(m_roots.proc), owner, core::VectorSlots(counts));
    if (!error.isEmpty()) {
        showBanner(QStringLiteral("Cannot observe %1: %2").arg(bdf, error), false);
        updateActions();
        return;
    }
    setWindowTitle(QStringLiteral("irqscope — %1").arg(m_session.deviceDescription()));
    m_status->setDevice(bdf);
    m_model->setVectors(m_session.slots());
    m_history.reset(m_session.slots().size());
    m_history.clear();
    showBanner(QStringLiteral("observing: owned by %1 (pid %2). Interrupt rates, host IRQs and CPUs come from "
                              "/proc/interrupts; arming, triggering and masking need the device, so they are "
                              "disabled.")
                   .arg(QString::fromStdString(device.owner), QString::number(device.ownerPid)),
               true);
    // Nothing is fired, so nothing is timed: say so where the latency would be (short: the title must fit).
    const QString none = QStringLiteral(" — not measured while observing");
    m_latencyChart->chart()->setTitle(QStringLiteral("Latency") + none);
    m_histogramChart->chart()->setTitle(QStringLiteral("Latency histogram") + none);
    showObservedColumnsOnly(true);
    m_log->addNote(QStringLiteral("observing %1, owned by %2 (pid %3)")
                       .arg(bdf, QString::fromStdString(device.owner), QString::number(device.ownerPid)));
    updateActions();
}

bool MainWindow::openRecording(const QString& path, double speed)
{
    resetView();
    const QString error = m_session.openRecording(path, speed);
    if (!error.isEmpty()) {
        showBanner(QStringLiteral("Cannot open the recording: %1").arg(error), false);
        m_log->addNote(QStringLiteral("open recording %1 failed: %2").arg(path, error));
        updateActions();
        return false;
    }
    setWindowTitle(QStringLiteral("irqscope — %1").arg(m_session.deviceDescription()));
    m_status->setDevice(m_session.deviceId() + QStringLiteral(" (recording)"));
    m_model->setVectors(m_session.slots());
    m_history.reset(m_session.slots().size());
    m_history.clear();
    m_log->addNote(QStringLiteral("replaying %1 (%2 samples)")
                       .arg(path, QString::number(m_session.replay()->recording().sampleCount)));
    tick(); // the banner and the first snapshot
    updateActions();
    return true;
}

void MainWindow::updateHostNote()
{
    // Host IRQ and CPU are real only for a real device's vfio vectors; say why a cell is empty.
    const bool sim =
        m_session.simulated() || (m_session.mode() == SessionMode::Replay && m_session.request().device == "sim");
    m_model->setHostNote(sim ? QStringLiteral("not a host interrupt: simulated device")
                             : QStringLiteral("no vfio entry for this vector in /proc/interrupts (not armed, or "
                                              "the kernel named it differently)"));
}

void MainWindow::startEngine()
{
    const QString error = m_session.start(m_settingsPanel->settings(), m_rearm, m_retrigger);
    if (!error.isEmpty()) {
        m_log->addResult(QStringLiteral("start"), EINVAL, error);
        showBanner(QStringLiteral("The engine could not start: %1").arg(error), false);
    } else {
        const auto status = m_session.engineStatus();
        m_log->addNote(QStringLiteral("engine started: core CPU %1, %2%3; armed %4")
                           .arg(status.coreCpu)
                           .arg(QString::fromStdString(status.policy))
                           .arg(status.mlocked ? QStringLiteral(", mlocked") : QString())
                           .arg(runsText(m_rearm)));
        if (!m_blocked)
            showBanner({}, false);
    }
    m_history.clear();
    updateActions();
}

void MainWindow::stopEngine()
{
    if (m_session.mode() == SessionMode::Replay) {
        m_session.stop(); // plays the rest at full speed
        updateActions();
        return;
    }
    // Remember what was armed and triggering, so that a start with new settings picks up where this left.
    m_rearm = runsWithState(m_session.slots(), m_shown.get(), core::vstate::kArmed);
    m_retrigger = runsWithState(m_session.slots(), m_shown.get(), core::vstate::kTriggering);
    m_session.stop(); // returns at once; engineStopped() follows
    if (m_session.stopping()) {
        m_status->setState(QStringLiteral("stopping…"));
        statusBar()->showMessage(QStringLiteral("Stopping: disarming every vector…"));
    }
    updateActions();
}

void MainWindow::engineStopped()
{
    m_status->setState({});
    statusBar()->showMessage(QStringLiteral("Engine stopped: every vector disarmed"), 5000);
    m_log->addNote(QStringLiteral("engine stopped: every vector disarmed"));
    tick(); // the final snapshot
    updateActions();
}

void MainWindow::chooseDevice()
{
    DeviceDialog dialog(m_roots, this);
    if (dialog.exec() != QDialog::Accepted || dialog.selectedDevice().isEmpty())
        return;
    openDevice(dialog.selectedDevice());
}

void MainWindow::chooseRecording()
{
    const QString path = QFileDialog::getOpenFileName(this, QStringLiteral("Open recording"), QDir::homePath(),
                                                      QStringLiteral("irqscope recordings (*.irqrec *.rec);;All "
                                                                     "files (*)"));
    if (!path.isEmpty())
        openRecording(path);
}

bool MainWindow::exporting() const
{
    return m_exportBusy;
}

bool MainWindow::exportReport(const QString& path, std::optional<ReportFormat> format)
{
    if (exporting()) {
        m_log->addResult(QStringLiteral("export"), EBUSY, QStringLiteral("a report is already being written"));
        return false;
    }
    if (!m_session.latest()) {
        m_log->addResult(QStringLiteral("export"), ENODATA, QStringLiteral("nothing measured yet"));
        return false;
    }
    const ReportFormat chosen = format ? *format : reportFormatFor({}, path).value_or(ReportFormat::Json);
    const ReportJob job =
        m_session.reportJob(chosen, QDir::toNativeSeparators(path), QApplication::arguments().join(QLatin1Char(' ')));
    if (!m_export) {
        m_export = new QFutureWatcher<QString>(this);
        connect(m_export, &QFutureWatcher<QString>::progressValueChanged, m_exportProgress, &QProgressBar::setValue);
        connect(m_export, &QFutureWatcher<QString>::progressTextChanged, this, [this](const QString& stage) {
            m_exportProgress->setFormat(QStringLiteral("report: %1 %p%").arg(stage));
        });
        connect(m_export, &QFutureWatcher<QString>::finished, this, [this] {
            const QString error = m_export->future().result();
            m_exportBusy = false;
            m_exportProgress->hide();
            if (error.isEmpty()) {
                m_log->addNote(QStringLiteral("report written to %1").arg(m_exportPath));
                statusBar()->showMessage(QStringLiteral("Report written to %1").arg(m_exportPath), 8000);
            } else {
                m_log->addResult(QStringLiteral("export"), EIO, error);
                statusBar()->showMessage(QStringLiteral("Export failed: %1").arg(error), 15000);
            }
            updateActions();
            Q_EMIT exportFinished(m_exportPath, error);
        });
    }
    m_exportPath = path;
    m_exportBusy = true;
    m_exportProgress->setValue(0);
    m_exportProgress->setFormat(QStringLiteral("report: starting %p%"));
    m_exportProgress->show();
    // The whole job (collector copy, system facts, rendering, the write) runs on the thread pool.
    m_export->setFuture(QtConcurrent::run([job](QPromise<QString>& promise) {
        promise.setProgressRange(0, 100);
        promise.addResult(QString::fromStdString(runReportJob(
            job, [&promise](int percent, const QString& stage) { promise.setProgressValueAndText(percent, stage); })));
    }));
    statusBar()->showMessage(QStringLiteral("Writing the report to %1…").arg(path));
    updateActions();
    return true;
}

void MainWindow::chooseExportFile()
{
    QString filter;
    const QString path = QFileDialog::getSaveFileName(this, QStringLiteral("Export report"),
                                                      QDir::home().filePath(QStringLiteral("irqscope-report.json")),
                                                      reportFileFilters(), &filter);
    if (path.isEmpty())
        return;
    exportReport(path, reportFormatFor(filter, path));
}

} // namespace irqscope::ui

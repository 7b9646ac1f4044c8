// The dashboard's commands: opening a device, starting and stopping the engine, posting vector commands for the
// selection (results arrive in the command log), enabling each control only where it can work, and the report.
#include "main_window.h"

#include "format/display_text.h"
#include "models/vector_filter_proxy.h"
#include "models/vector_table_model.h"
#include "report/json_report.h"
#include "report/system_info.h"
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
#include <QItemSelectionModel>
#include <QStatusBar>
#include <QTableView>

#include <nlohmann/json.hpp>

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
    connect(m_actions.activeOnly, &QAction::toggled, m_proxy, &VectorFilterProxy::setActiveOnly);
    connect(m_actions.quit, &QAction::triggered, this, &QWidget::close);

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateActions();
        updateCharted();
    });
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

void MainWindow::updateActions()
{
    const bool open = m_session.isOpen();
    const bool running = m_session.running();
    const std::vector<uint32_t> slots = selectedSlots();
    QString why;
    if (m_blocked)
        why = m_blockedReason;
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
                                         "MSI/MSI-X masking (only INTx is maskable, vfio-irq-facts §2.2)")
                              .arg(indexLabel(index));
                break;
            }
        }
    }
    setEnabledWhy(m_actions.mask, maskWhy.isEmpty(), maskWhy);
    setEnabledWhy(m_actions.unmask, maskWhy.isEmpty(), maskWhy);

    const QString engineWhy = m_blocked ? m_blockedReason : open ? QString() : QStringLiteral("Open a device first");
    setEnabledWhy(m_actions.start, engineWhy.isEmpty() && !running,
                  engineWhy.isEmpty() ? QStringLiteral("The engine is running") : engineWhy);
    setEnabledWhy(m_actions.stop, running, QStringLiteral("The engine is not running"));
    setEnabledWhy(m_actions.reset, running, m_blocked ? m_blockedReason : QStringLiteral("The engine is not running"));
    setEnabledWhy(m_actions.exportReport, m_session.latest() != nullptr, QStringLiteral("Nothing measured yet"));
    m_settingsPanel->setControlsEnabled(!m_blocked && open, m_blocked ? m_blockedReason : engineWhy);
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

bool MainWindow::openDevice(const QString& device, const QString& profilePath)
{
    m_session.close();
    m_shown.reset();
    m_charted.clear();
    m_rearm.clear();
    m_retrigger.clear();
    m_model->setVectors({});
    m_history.reset(0);
    showBanner({}, false);

    core::DeviceRequest request;
    request.device = device.toStdString();
    request.profilePath = profilePath.toStdString();
    const QString error = m_session.open(request);
    m_status->setDevice(device);
    if (!error.isEmpty()) {
        // A device another process holds (usually QEMU): name the owner, and disable what needs ownership.
        std::optional<core::DiscoveredDevice> described;
        if (auto bdf = core::normalizeBdf(request.device))
            described = core::describePciDevice(*bdf);
        if (described && !described->owner.empty()) {
            showBanner(QStringLiteral("%1 is held by %2 (pid %3). irqscope cannot arm, trigger or mask its vectors "
                                      "while another process owns the device.")
                           .arg(device, QString::fromStdString(described->owner), QString::number(described->ownerPid)),
                       true);
        } else {
            showBanner(QStringLiteral("Cannot open %1: %2").arg(device, error), false);
        }
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
    // Remember what was armed and triggering, so that a start with new settings picks up where this left.
    m_rearm = runsWithState(m_session.slots(), m_shown.get(), core::vstate::kArmed);
    m_retrigger = runsWithState(m_session.slots(), m_shown.get(), core::vstate::kTriggering);
    m_session.stop();
    m_log->addNote(QStringLiteral("engine stopped: every vector disarmed"));
    updateActions();
}

void MainWindow::chooseDevice()
{
    DeviceDialog dialog(this);
    if (dialog.exec() != QDialog::Accepted || dialog.selectedDevice().isEmpty())
        return;
    openDevice(dialog.selectedDevice());
}

QString MainWindow::exportReport(const QString& path)
{
    const auto snapshot = m_session.latest();
    if (!snapshot)
        return QStringLiteral("nothing measured yet");
    core::RunDescription run;
    run.deviceDescription = m_session.deviceDescription().toStdString();
    run.vectors = runsText(runsWithState(m_session.slots(), snapshot.get(), core::vstate::kArmed)).toStdString();
    const EngineSettings settings = m_settingsPanel->settings();
    run.trigger = std::string(core::triggerModeName(settings.triggerMode));
    run.rateHz = settings.rateHz;
    run.deadlineNs = core::EngineConfig{}.deadline.count();
    if (m_session.request().device == "sim")
        run.simKernel = std::string(core::simKernelName(m_session.request().sim.kernel));
    run.stopReason = m_session.running() ? "exported while running (irqscope-gui)" : "stopped (irqscope-gui)";
    run.commandLine = QApplication::arguments().join(QLatin1Char(' ')).toStdString();
    const auto report = core::reportJson(*snapshot, run, core::collectSystemInfo());
    const std::string error = core::writeJsonFile(QDir::toNativeSeparators(path).toStdString(), report);
    return QString::fromStdString(error);
}

void MainWindow::chooseExportFile()
{
    const QString path = QFileDialog::getSaveFileName(this, QStringLiteral("Export report"),
                                                      QDir::home().filePath(QStringLiteral("irqscope-report.json")),
                                                      QStringLiteral("JSON report (*.json)"));
    if (path.isEmpty())
        return;
    const QString error = exportReport(path);
    if (error.isEmpty())
        m_log->addNote(QStringLiteral("report written to %1").arg(path));
    else
        m_log->addResult(QStringLiteral("export"), EIO, error);
}

} // namespace irqscope::ui

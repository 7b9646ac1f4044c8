// The dashboard's commands: starting and stopping the engine, posting vector commands for the selection
// (results arrive in the command log), the file dialogs, and the report (written by ReportExporter).
#include "main_window.h"

#include "models/vector_filter_proxy.h"
#include "session/vector_runs.h"
#include "widgets/command_log.h"
#include "widgets/device_dialog.h"
#include "widgets/engine_settings_panel.h"
#include "widgets/status_panel.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QItemSelectionModel>
#include <QProgressBar>
#include <QStatusBar>
#include <QTableView>

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
    connect(&m_exporter, &ReportExporter::progressValueChanged, m_exportProgress, &QProgressBar::setValue);
    connect(&m_exporter, &ReportExporter::progressTextChanged, this,
            [this](const QString& stage) { m_exportProgress->setFormat(QStringLiteral("report: %1 %p%").arg(stage)); });
    connect(&m_exporter, &ReportExporter::finished, this, &MainWindow::exportDone);
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

bool MainWindow::exporting() const
{
    return m_exporter.busy();
}

bool MainWindow::exportReport(const QString& path, std::optional<ReportFormat> format)
{
    if (const auto refused = m_exporter.start(path, format)) {
        m_log->addResult(QStringLiteral("export"), refused->error, refused->message);
        return false;
    }
    m_exportProgress->setValue(0);
    m_exportProgress->setFormat(QStringLiteral("report: starting %p%"));
    m_exportProgress->show();
    statusBar()->showMessage(QStringLiteral("Writing the report to %1…").arg(path));
    updateActions();
    return true;
}

void MainWindow::exportDone(const QString& path, const QString& error)
{
    m_exportProgress->hide();
    if (error.isEmpty()) {
        m_log->addNote(QStringLiteral("report written to %1").arg(path));
        statusBar()->showMessage(QStringLiteral("Report written to %1").arg(path), 8000);
    } else {
        m_log->addResult(QStringLiteral("export"), EIO, error);
        statusBar()->showMessage(QStringLiteral("Export failed: %1").arg(error), 15000);
    }
    updateActions();
    Q_EMIT exportFinished(path, error);
}

} // namespace irqscope::ui

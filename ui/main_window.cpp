// The dashboard window: the 30 Hz refresh that moves the latest snapshot into the time charts and the status bar
// (the table and the histogram at 10 Hz), the selection, the banner and the controls' states. The layout and the
// settings are in main_window_layout.cpp, the commands in main_window_commands.cpp, opening a device or a
// recording in main_window_device.cpp.
#include "main_window.h"

#include "actions/action_states.h"
#include "base/monotonic_clock.h"
#include "charts/histogram_chart.h"
#include "charts/percentile_chart.h"
#include "charts/time_series_chart.h"
#include "format/display_text.h"
#include "models/vector_filter_proxy.h"
#include "models/vector_table_model.h"
#include "widgets/engine_settings_panel.h"
#include "widgets/status_panel.h"

#include <QAction>
#include <QCloseEvent>
#include <QLabel>
#include <QTableView>
#include <QTimer>

namespace irqscope::ui {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_actions(createDashboardActions(this))
    , m_model(new VectorTableModel(this))
    , m_proxy(new VectorFilterProxy(this))
    , m_timer(new QTimer(this))
{
    setWindowTitle(QStringLiteral("irqscope"));
    setWindowIcon(QIcon::fromTheme(QStringLiteral("irqscope-gui"), QIcon(QStringLiteral(":/irqscope-gui.svg"))));
    m_proxy->setSourceModel(m_model);
    buildLayout();
    buildMenus();
    connectActions();
    restoreSettings();
    updateHostColumns(); // hidden until a vector has a host IRQ (never on the simulated device)
    m_timer->setInterval(kRefreshIntervalMs);
    m_timer->setTimerType(Qt::PreciseTimer);
    connect(m_timer, &QTimer::timeout, this, &MainWindow::tick);
    m_timer->start();
    updateActions();
}

MainWindow::~MainWindow()
{
    m_timer->stop();
    m_session.disconnect(this); // no UI updates from the teardown below
    m_session.close();          // disarms everything (waiting for a stop in progress) before the widgets go
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    saveSettings();
    m_session.stop(); // the destructor waits for it (close())
    event->accept();
}

void MainWindow::tick()
{
    m_session.pollResults();
    const auto snapshot = m_session.latest();
    const int64_t now = core::monotonicNs();
    const bool running = m_session.running();
    const bool fresh = snapshot && (m_session.epoch() != m_shownEpoch || snapshot->generation != m_shownGeneration ||
                                    snapshot != m_shown);
    if (fresh) {
        m_shown = snapshot;
        m_shownEpoch = m_session.epoch();
        m_shownGeneration = snapshot->generation;
        m_history.append(*snapshot);
        m_slowPending = true;
    }
    if (m_slowPending && (!running || now - m_slowShownNs >= kSlowViewIntervalNs)) {
        m_slowPending = false;
        m_slowShownNs = now;
        m_model->applySnapshot(*m_shown);
        updateHostColumns();
        if (selectedSlots().empty())
            updateCharted(); // the default selection follows the active vectors
        m_histogramChart->refresh(*m_shown);
        m_percentileChart->refresh(*m_shown);
    }
    if (fresh) {
        m_latencyChart->refresh();
        m_rateChart->refresh();
    }
    m_status->update(snapshot.get(), running, now);
    if (m_session.mode() == SessionMode::Replay && m_session.replay()) {
        const ReplayPlayer& replay = *m_session.replay();
        const double speed = replay.speed();
        showBanner(QStringLiteral("Recording %1 (%2) — read-only. %3")
                       .arg(m_session.recordingPath(), m_session.deviceDescription(),
                            running ? QStringLiteral("Replaying: %1% at %2")
                                          .arg(static_cast<int>(replay.progress() * 100))
                                          .arg(speed > 0 ? QStringLiteral("%1× recorded pace").arg(speed)
                                                         : QStringLiteral("full speed"))
                                    : QStringLiteral("Replayed: the recorded statistics.")),
                   true, false);
    }
    if (m_actions.exportReport->isEnabled() != (snapshot != nullptr && !exporting()))
        updateActions();
}

ActionInputs MainWindow::actionInputs() const
{
    ActionInputs in;
    in.mode = m_session.mode();
    in.running = m_session.running();
    in.stopping = m_session.stopping();
    in.ownerName = QString::fromStdString(m_session.owner().name);
    in.ownerPid = m_session.owner().pid;
    for (uint32_t slot : selectedSlots())
        ++in.selected[static_cast<uint32_t>(m_session.slots().id(slot).index)];
    for (uint32_t i = 0; i < core::kNumPciIrqIndexes; ++i)
        in.maskable[i] = m_session.irqInfo(static_cast<core::IrqIndex>(i)).maskable();
    in.replayPaced = m_session.replay() && m_session.replay()->speed() > 0;
    in.hasSnapshot = m_session.latest() != nullptr;
    in.exporting = exporting();
    return in;
}

void MainWindow::updateActions()
{
    const ActionStates states = actionStates(actionInputs());
    applyActionStates(m_actions, states);
    m_settingsPanel->setControlsEnabled(states.engineSettings.enabled, states.engineSettings.whyNot);
    updateHostNote();
}

void MainWindow::updateCharted()
{
    std::vector<uint32_t> slots = selectedSlots();
    if (slots.empty()) {
        // Nothing selected: chart the first active vectors.
        for (int row = 0; row < m_model->rowCount() && slots.size() < 4; ++row) {
            if (m_model->index(row, 0).data(VectorTableModel::ActiveRole).toBool())
                slots.push_back(m_model->vectorRow(row).slot);
        }
    }
    if (slots.size() > static_cast<std::size_t>(kMaxChartedVectors))
        slots.resize(kMaxChartedVectors);
    if (slots == m_charted)
        return;
    m_charted = slots;
    QStringList names;
    for (uint32_t slot : slots)
        names << vectorLabel(m_session.slots().id(slot));
    m_latencyChart->setCharted(slots, names);
    m_rateChart->setCharted(slots, names);
    m_histogramChart->setCharted(slots, names);
    m_percentileChart->setCharted(slots, names);
    m_latencyChart->refresh();
    m_rateChart->refresh();
    if (m_shown) {
        m_histogramChart->refresh(*m_shown);
        m_percentileChart->refresh(*m_shown);
    }
}

const std::vector<uint32_t>& MainWindow::selectedSlots() const
{
    if (!m_selectedStale)
        return m_selected;
    m_selectedStale = false;
    m_selected.clear();
    if (!m_view->selectionModel())
        return m_selected;
    // Rows are selected whole (SelectRows), so every range's rows are selected rows.
    for (const QItemSelectionRange& range : m_view->selectionModel()->selection()) {
        for (int row = range.top(); row <= range.bottom(); ++row)
            m_selected.push_back(m_proxy->index(row, 0).data(VectorTableModel::SlotRole).toUInt());
    }
    std::sort(m_selected.begin(), m_selected.end());
    m_selected.erase(std::unique(m_selected.begin(), m_selected.end()), m_selected.end());
    return m_selected;
}

void MainWindow::selectSlots(const std::vector<uint32_t>& slots)
{
    std::vector<int> rows;
    for (uint32_t slot : slots) {
        const QModelIndex proxy = m_proxy->mapFromSource(m_model->index(static_cast<int>(slot), 0));
        if (proxy.isValid())
            rows.push_back(proxy.row());
    }
    std::sort(rows.begin(), rows.end());
    // One range per run of adjacent rows: Qt tests every painted cell against every range, and re-maps each
    // range's persistent indexes on every layout change, so 512 one-row ranges cost 512 times one range.
    QItemSelection selection;
    const int lastColumn = m_proxy->columnCount() - 1;
    for (std::size_t i = 0; i < rows.size();) {
        std::size_t j = i;
        while (j + 1 < rows.size() && rows[j + 1] <= rows[j] + 1)
            ++j;
        selection.append(QItemSelectionRange(m_proxy->index(rows[i], 0), m_proxy->index(rows[j], lastColumn)));
        i = j + 1;
    }
    m_view->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

void MainWindow::showBanner(const QString& text, bool blocking, bool warning)
{
    m_blocked = blocking;
    if (text.isEmpty()) {
        m_banner->hide();
        return;
    }
    QPalette palette = m_banner->palette();
    // Read-only modes in a calm blue (an informational state), refusals amber, errors red.
    palette.setColor(QPalette::Window, !warning   ? QColor(0xd6, 0xea, 0xf8)
                                       : blocking ? QColor(0xff, 0xe0, 0xb2)
                                                  : QColor(0xff, 0xcd, 0xd2));
    palette.setColor(QPalette::WindowText, QColor(0x21, 0x21, 0x21));
    m_banner->setPalette(palette);
    m_banner->setText(text);
    m_banner->show();
}

QString MainWindow::bannerText() const
{
    return m_banner->isHidden() ? QString() : m_banner->text();
}

} // namespace irqscope::ui

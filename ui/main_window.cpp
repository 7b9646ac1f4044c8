// The dashboard window: layout, menus, settings persistence, and the 30 Hz refresh that moves the latest
// snapshot into the time charts and the status bar (the table and the histogram at 10 Hz).
#include "main_window.h"

#include "base/monotonic_clock.h"
#include "charts/histogram_chart.h"
#include "charts/time_series_chart.h"
#include "format/display_text.h"
#include "models/vector_filter_proxy.h"
#include "models/vector_table_model.h"
#include "widgets/command_log.h"
#include "widgets/engine_settings_panel.h"
#include "widgets/status_panel.h"

#include <QAction>
#include <QCloseEvent>
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QProgressBar>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

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

void MainWindow::buildLayout()
{
    m_banner = new QLabel(this);
    m_banner->setObjectName(QStringLiteral("banner"));
    m_banner->setWordWrap(true);
    m_banner->setMargin(8);
    m_banner->setAutoFillBackground(true);
    m_banner->hide();

    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("vectorTable"));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(VectorTableModel::IndexColumn, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setWordWrap(false);
    // Widths from the font, for the widest text each column usually shows.
    const QFontMetrics metrics = m_view->fontMetrics();
    for (int c = 0; c < VectorTableModel::ColumnCount; ++c) {
        const char* sample = c == VectorTableModel::StateColumn ? "pending · masked"
                             : c >= VectorTableModel::MinColumn && c <= VectorTableModel::MaxColumn ? "999 µs"
                             : c >= VectorTableModel::TriggeredColumn                               ? "9999999"
                                                                                                    : "MSI-X";
        const int header = metrics.horizontalAdvance(m_model->headerData(c, Qt::Horizontal).toString());
        m_view->setColumnWidth(c, std::max(metrics.horizontalAdvance(QString::fromUtf8(sample)), header) +
                                      (c == VectorTableModel::StateColumn ? 36 : 18));
    }

    m_latencyChart = new TimeSeriesChart(TimeSeriesChart::Metric::Latency, m_history, this);
    m_latencyChart->setObjectName(QStringLiteral("latencyChart"));
    m_rateChart = new TimeSeriesChart(TimeSeriesChart::Metric::Rate, m_history, this);
    m_rateChart->setObjectName(QStringLiteral("rateChart"));
    m_histogramChart = new HistogramChart(this);
    m_histogramChart->setObjectName(QStringLiteral("histogramChart"));

    m_latencyTitle = m_latencyChart->chart()->title();
    m_histogramTitle = m_histogramChart->chart()->title();

    auto* timeCharts = new QSplitter(Qt::Vertical, this);
    timeCharts->addWidget(m_latencyChart);
    timeCharts->addWidget(m_rateChart);
    auto* charts = new QSplitter(Qt::Horizontal, this);
    charts->setObjectName(QStringLiteral("chartSplitter"));
    charts->addWidget(timeCharts);
    charts->addWidget(m_histogramChart);
    charts->setStretchFactor(0, 3);
    charts->setStretchFactor(1, 2);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("mainSplitter"));
    split->addWidget(m_view);
    split->addWidget(charts);
    split->setSizes({360, 540}); // the charts get the larger part; a saved state overrides it
    charts->setSizes({600, 400});

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_banner);
    layout->addWidget(split, 1);
    setCentralWidget(central);

    m_settingsPanel = new EngineSettingsPanel(this);
    auto* settingsDock = new QDockWidget(QStringLiteral("Engine"), this);
    settingsDock->setObjectName(QStringLiteral("engineDock"));
    settingsDock->setWidget(m_settingsPanel);
    addDockWidget(Qt::RightDockWidgetArea, settingsDock);

    m_log = new CommandLog(this);
    m_log->setObjectName(QStringLiteral("commandLog"));
    auto* logDock = new QDockWidget(QStringLiteral("Command log"), this);
    logDock->setObjectName(QStringLiteral("logDock"));
    logDock->setWidget(m_log);
    addDockWidget(Qt::RightDockWidgetArea, logDock);

    m_status = new StatusPanel(statusBar());
    m_exportProgress = new QProgressBar(this);
    m_exportProgress->setObjectName(QStringLiteral("exportProgress"));
    m_exportProgress->setRange(0, 100);
    m_exportProgress->setMaximumWidth(220);
    m_exportProgress->setTextVisible(true);
    m_exportProgress->hide();
    statusBar()->addPermanentWidget(m_exportProgress);
    resize(1400, 900);
}

void MainWindow::buildMenus()
{
    auto* toolbar = addToolBar(QStringLiteral("Controls"));
    toolbar->setObjectName(QStringLiteral("controlsToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    for (QAction* a : {m_actions.open, m_actions.start, m_actions.stop})
        toolbar->addAction(a);
    toolbar->addSeparator();
    for (QAction* a : {m_actions.arm, m_actions.disarm, m_actions.triggerOnce, m_actions.triggerStart,
                       m_actions.triggerStop, m_actions.mask, m_actions.unmask})
        toolbar->addAction(a);
    toolbar->addSeparator();
    for (QAction* a : {m_actions.reset, m_actions.exportReport, m_actions.activeOnly})
        toolbar->addAction(a);

    QMenu* file = menuBar()->addMenu(QStringLiteral("&File"));
    file->addAction(m_actions.open);
    file->addAction(m_actions.openRecording);
    file->addAction(m_actions.exportReport);
    file->addSeparator();
    file->addAction(m_actions.quit);
    QMenu* engine = menuBar()->addMenu(QStringLiteral("&Engine"));
    engine->addAction(m_actions.start);
    engine->addAction(m_actions.stop);
    engine->addAction(m_actions.reset);
    engine->addSeparator();
    engine->addAction(m_actions.replayFullSpeed);
    QMenu* vectors = menuBar()->addMenu(QStringLiteral("&Vectors"));
    for (QAction* a : {m_actions.arm, m_actions.disarm, m_actions.triggerOnce, m_actions.triggerStart,
                       m_actions.triggerStop, m_actions.mask, m_actions.unmask})
        vectors->addAction(a);
    QMenu* view = menuBar()->addMenu(QStringLiteral("V&iew"));
    view->addAction(m_actions.activeOnly);
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());
    view->addAction(toolbar->toggleViewAction());
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_view->horizontalHeader()->restoreState(settings.value(QStringLiteral("window/tableHeader")).toByteArray());
    for (auto* splitter : findChildren<QSplitter*>()) {
        if (!splitter->objectName().isEmpty())
            splitter->restoreState(settings.value(QStringLiteral("window/") + splitter->objectName()).toByteArray());
    }
    m_actions.activeOnly->setChecked(settings.value(QStringLiteral("view/activeOnly"), false).toBool());
    m_proxy->setActiveOnly(m_actions.activeOnly->isChecked());
    EngineSettings engine;
    engine.coreCpu = settings.value(QStringLiteral("engine/coreCpu"), -1).toInt();
    engine.fifoPriority = settings.value(QStringLiteral("engine/fifoPriority"), 0).toInt();
    engine.mlock = settings.value(QStringLiteral("engine/mlock"), false).toBool();
    engine.rateHz = settings.value(QStringLiteral("engine/rateHz"), 1000.0).toDouble();
    engine.triggerMode = settings.value(QStringLiteral("engine/triggerMode"), QStringLiteral("loopback")).toString() ==
                                 QStringLiteral("device")
                             ? core::TriggerMode::Device
                             : core::TriggerMode::Loopback;
    m_settingsPanel->setSettings(engine);
}

void MainWindow::showObservedColumnsOnly(bool observing)
{
    if (observing == !m_headerBeforeObserving.isEmpty())
        return;
    if (observing)
        m_headerBeforeObserving = m_view->horizontalHeader()->saveState();
    // Rate/s as the last visible column would stretch across the table, its numbers far from their vectors. Off
    // before hiding: hiding the stretched last section while stretching leaves its width in the header, and the
    // row striping ran that far (~60 px) past the last column.
    m_view->horizontalHeader()->setStretchLastSection(!observing);
    // What an observer has: which vectors the owner enabled, their host IRQ, CPU and interrupt rate (the host
    // columns follow the data, updateHostColumns()).
    for (int c = VectorTableModel::TriggeredColumn; c <= VectorTableModel::MaxColumn; ++c) {
        if (c != VectorTableModel::RateColumn)
            m_view->setColumnHidden(c, observing);
    }
    // Nothing is drawn in the histogram while observing: no legend for empty series.
    m_histogramChart->chart()->legend()->setVisible(!observing);
    if (!observing) {
        m_view->horizontalHeader()->restoreState(m_headerBeforeObserving);
        m_headerBeforeObserving.clear();
    }
    updateHostColumns();
}

void MainWindow::updateHostColumns()
{
    const bool host = m_model->hasHostData();
    const bool observing = !m_headerBeforeObserving.isEmpty();
    const bool hideCount = !host;
    const bool hideGap = !host || observing;
    if (m_view->isColumnHidden(VectorTableModel::HostCountColumn) == hideCount &&
        m_view->isColumnHidden(VectorTableModel::HostGapColumn) == hideGap)
        return;
    // The gap is the last column, stretched on a real device: hiding it while stretching would leave its width
    // in the header (see showObservedColumnsOnly()).
    QHeaderView* header = m_view->horizontalHeader();
    const bool stretch = header->stretchLastSection();
    header->setStretchLastSection(false);
    m_view->setColumnHidden(VectorTableModel::HostCountColumn, hideCount);
    m_view->setColumnHidden(VectorTableModel::HostGapColumn, hideGap);
    header->setStretchLastSection(stretch);
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/tableHeader"), m_headerBeforeObserving.isEmpty()
                                                                ? m_view->horizontalHeader()->saveState()
                                                                : m_headerBeforeObserving);
    for (auto* splitter : findChildren<QSplitter*>()) {
        if (!splitter->objectName().isEmpty())
            settings.setValue(QStringLiteral("window/") + splitter->objectName(), splitter->saveState());
    }
    settings.setValue(QStringLiteral("view/activeOnly"), m_actions.activeOnly->isChecked());
    const EngineSettings engine = m_settingsPanel->settings();
    settings.setValue(QStringLiteral("engine/coreCpu"), engine.coreCpu);
    settings.setValue(QStringLiteral("engine/fifoPriority"), engine.fifoPriority);
    settings.setValue(QStringLiteral("engine/mlock"), engine.mlock);
    settings.setValue(QStringLiteral("engine/rateHz"), engine.rateHz);
    settings.setValue(QStringLiteral("engine/triggerMode"), engine.triggerMode == core::TriggerMode::Device
                                                                ? QStringLiteral("device")
                                                                : QStringLiteral("loopback"));
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
    m_latencyChart->refresh();
    m_rateChart->refresh();
    if (m_shown)
        m_histogramChart->refresh(*m_shown);
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

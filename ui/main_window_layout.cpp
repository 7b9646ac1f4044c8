// The dashboard window's layout (table, charts, docks, toolbar and menus), the table's columns per mode, and
// the settings it keeps between runs (DashboardSettings).
#include "main_window.h"

#include "charts/histogram_chart.h"
#include "charts/percentile_chart.h"
#include "charts/time_series_chart.h"
#include "models/vector_filter_proxy.h"
#include "models/vector_table_model.h"
#include "settings/dashboard_settings.h"
#include "widgets/command_log.h"
#include "widgets/engine_settings_panel.h"
#include "widgets/status_panel.h"

#include <QAction>
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QProgressBar>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

namespace irqscope::ui {

namespace {

// The splitters whose sizes the settings keep, by objectName.
QMap<QString, QSplitter*> namedSplitters(const QMainWindow& window)
{
    QMap<QString, QSplitter*> out;
    for (auto* splitter : window.findChildren<QSplitter*>()) {
        if (!splitter->objectName().isEmpty())
            out.insert(splitter->objectName(), splitter);
    }
    return out;
}

} // namespace

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
        const char* sample = c == VectorTableModel::StateColumn       ? "pending · masked"
                             : c == VectorTableModel::IrqThreadColumn ? "FIFO 99, CPU 99"
                             : (c >= VectorTableModel::MinColumn && c <= VectorTableModel::MaxColumn) ||
                                     c >= VectorTableModel::DeliveryP50Column
                                 ? "999 µs"
                             : c >= VectorTableModel::TriggeredColumn ? "9999999"
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
    m_percentileChart = new PercentileChart(this);
    m_percentileChart->setObjectName(QStringLiteral("percentileChart"));

    m_latencyTitle = m_latencyChart->chart()->title();
    m_histogramTitle = m_histogramChart->chart()->title();
    m_percentileTitle = m_percentileChart->chart()->title();

    auto* timeCharts = new QSplitter(Qt::Vertical, this);
    timeCharts->addWidget(m_latencyChart);
    timeCharts->addWidget(m_rateChart);
    auto* charts = new QSplitter(Qt::Horizontal, this);
    charts->setObjectName(QStringLiteral("chartSplitter"));
    charts->addWidget(timeCharts);
    // The distribution: its body in the histogram, its tail in the percentile plot below it.
    auto* distribution = new QSplitter(Qt::Vertical, this);
    distribution->addWidget(m_histogramChart);
    distribution->addWidget(m_percentileChart);
    distribution->setSizes({500, 500});
    charts->addWidget(distribution);
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
    QSettings store;
    const DashboardSettings settings = DashboardSettings::load(store, namedSplitters(*this).keys());
    restoreGeometry(settings.windowGeometry);
    restoreState(settings.windowState);
    m_view->horizontalHeader()->restoreState(settings.tableHeader);
    for (auto [name, splitter] : namedSplitters(*this).asKeyValueRange())
        splitter->restoreState(settings.splitters.value(name));
    m_actions.activeOnly->setChecked(settings.activeOnly);
    m_proxy->setActiveOnly(m_actions.activeOnly->isChecked());
    m_settingsPanel->setSettings(settings.engine);
}

void MainWindow::saveSettings() const
{
    DashboardSettings settings;
    settings.windowGeometry = saveGeometry();
    settings.windowState = saveState();
    // While observing, the header as it was before is what is kept (showObservedColumnsOnly()).
    settings.tableHeader =
        m_headerBeforeObserving.isEmpty() ? m_view->horizontalHeader()->saveState() : m_headerBeforeObserving;
    for (auto [name, splitter] : namedSplitters(*this).asKeyValueRange())
        settings.splitters.insert(name, splitter->saveState());
    settings.activeOnly = m_actions.activeOnly->isChecked();
    settings.engine = m_settingsPanel->settings();
    QSettings store;
    settings.save(store);
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
    const bool hideThread = !m_model->hasIrqThreads();
    const bool hideDelivery = !m_model->hasDeliveryData(); // docs/dma-triggers.md §6
    if (m_view->isColumnHidden(VectorTableModel::HostCountColumn) == hideCount &&
        m_view->isColumnHidden(VectorTableModel::HostGapColumn) == hideGap &&
        m_view->isColumnHidden(VectorTableModel::IrqThreadColumn) == hideThread &&
        m_view->isColumnHidden(VectorTableModel::DeliveryP50Column) == hideDelivery &&
        m_view->isColumnHidden(VectorTableModel::DeliveryP99Column) == hideDelivery)
        return;
    // The gap is the last column, stretched on a real device: hiding it while stretching would leave its width
    // in the header (see showObservedColumnsOnly()).
    QHeaderView* header = m_view->horizontalHeader();
    const bool stretch = header->stretchLastSection();
    header->setStretchLastSection(false);
    m_view->setColumnHidden(VectorTableModel::HostCountColumn, hideCount);
    m_view->setColumnHidden(VectorTableModel::HostGapColumn, hideGap);
    m_view->setColumnHidden(VectorTableModel::IrqThreadColumn, hideThread);
    m_view->setColumnHidden(VectorTableModel::DeliveryP50Column, hideDelivery);
    m_view->setColumnHidden(VectorTableModel::DeliveryP99Column, hideDelivery);
    header->setStretchLastSection(stretch);
}

} // namespace irqscope::ui

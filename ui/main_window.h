// MainWindow: the dashboard. Wires the session (engine + aggregator), the vector table, the charts, the engine
// panel, the command log and the status bar; a 30 Hz timer pulls the latest snapshot (latest wins, skipped when
// its generation is unchanged) and collects command results, so the GUI thread never waits on the core thread.
// What it decides nothing about itself: which controls are enabled (actionStates()), the report
// (ReportExporter) and what is kept between runs (DashboardSettings).
#pragma once

#include "charts/history_store.h"
#include "dashboard_actions.h"
#include "session/device_catalog.h"
#include "session/measurement_session.h"
#include "session/report_exporter.h"

#include <QMainWindow>

#include <memory>
#include <optional>
#include <vector>

class QLabel;
class QProgressBar;
class QTableView;
class QTimer;

namespace irqscope::ui {

struct ActionInputs;
class CommandLog;
class EngineSettingsPanel;
class HistogramChart;
class PercentileChart;
class StatusPanel;
class TimeSeriesChart;
class VectorFilterProxy;
class VectorTableModel;

class MainWindow final : public QMainWindow
{
    Q_OBJECT
public:
    static constexpr int kRefreshIntervalMs = 33; // 30 Hz, the aggregator's publish rate

    // The table and the histogram take the latest snapshot at most 10 times a second (and at once when the engine
    // has stopped); the time charts take every one. Digits are read, not watched, and a histogram since start does
    // not visibly change from one 30 Hz frame to the next, while each update repaints every visible cell (text
    // shaping per cell) or re-strokes 8 outlines of 400 points (Qt Charts rebuilds each series' shape): after the
    // selection fix these were the GUI thread's largest costs (perf on bench/gui_load).
    static constexpr int64_t kSlowViewIntervalNs = 100'000'000;

    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens `device` ("sim" or a PCI address) and starts the engine; on sim it also arms msix:0-7 and triggers
    // them. Returns false (and shows why in a banner) when the device cannot be opened or started.
    bool openDevice(const QString& device, const QString& profilePath = {}, const QString& vfToken = {});
    // The same with every request field (sim options, profile).
    bool openDevice(const core::DeviceRequest& request);
    // Replays a recording into the table and charts at `speed` (1: recorded pace, 0: as fast as possible).
    // Read-only: every control that needs a device is disabled, with the reason. False (and a banner) on error.
    bool openRecording(const QString& path, double speed = 1.0);
    // Where the picker and --device look (tests and --sysfs-root/--proc-root point at fake trees).
    void setDeviceRoots(DeviceRoots roots) { m_roots = std::move(roots); }
    const DeviceRoots& deviceRoots() const { return m_roots; }
    // Starts writing a report of what is on show in the background; progress, completion and errors appear in
    // the status bar and the command log, and exportFinished() reports the outcome. `format` defaults to the
    // one the file name's suffix names (JSON when none matches). False when nothing could be started (the
    // reason goes to the log).
    bool exportReport(const QString& path, std::optional<ReportFormat> format = std::nullopt);
    bool exporting() const;
    // Selects these vectors in the table (and charts them), as one selection range per run of adjacent rows.
    void selectSlots(const std::vector<uint32_t>& slots);
    // The slots of the selected rows, ascending; kept up to date from the selection model's signals, so the 30 Hz
    // refresh never asks Qt to list the selection (selectedRows() is quadratic in the selection ranges).
    const std::vector<uint32_t>& selectedSlots() const;

    MeasurementSession& session() { return m_session; }
    VectorTableModel& vectorModel() { return *m_model; }
    QTableView* vectorView() const { return m_view; }
    TimeSeriesChart* latencyChart() const { return m_latencyChart; }
    TimeSeriesChart* rateChart() const { return m_rateChart; }
    HistogramChart* histogramChart() const { return m_histogramChart; }
    PercentileChart* percentileChart() const { return m_percentileChart; }
    StatusPanel* statusPanel() const { return m_status; }
    CommandLog* commandLog() const { return m_log; }
    EngineSettingsPanel* settingsPanel() const { return m_settingsPanel; }
    const DashboardActions& dashboardActions() const { return m_actions; }
    QString bannerText() const;
    const std::vector<uint32_t>& chartedSlots() const { return m_charted; }

Q_SIGNALS:
    void exportFinished(const QString& path, const QString& error);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildLayout();
    void buildMenus();
    void connectActions();
    void restoreSettings();
    void saveSettings() const;

    void tick();
    // Enables each control only where it can work (actionStates(), with the reason where it cannot).
    void updateActions();
    ActionInputs actionInputs() const;
    void updateCharted();
    // `blocking`: the read-only modes (controls that need the device are disabled); `warning` picks the colour.
    void showBanner(const QString& text, bool blocking, bool warning = true);
    void resetView();
    void observeDevice(const core::DiscoveredDevice& device);
    void updateHostNote();
    void engineStopped();

    void selectionMayHaveChanged() { m_selectedStale = true; }
    // Shows the host count and gap columns when some vector has a host IRQ (the gap not while observing: the
    // observer counts only host interrupts, so it is always 0).
    void updateHostColumns();
    void sendToSelection(core::CommandKind kind, const QString& verb);
    void startEngine();
    void stopEngine();
    void chooseDevice();
    void chooseExportFile();
    void exportDone(const QString& path, const QString& error);
    void chooseRecording();
    void showObservedColumnsOnly(bool observing);

    MeasurementSession m_session;
    ReportExporter m_exporter{m_session};
    HistoryStore m_history;
    DashboardActions m_actions;
    VectorTableModel* m_model;
    VectorFilterProxy* m_proxy;
    QTableView* m_view = nullptr;
    TimeSeriesChart* m_latencyChart = nullptr;
    TimeSeriesChart* m_rateChart = nullptr;
    HistogramChart* m_histogramChart = nullptr;
    PercentileChart* m_percentileChart = nullptr;
    EngineSettingsPanel* m_settingsPanel = nullptr;
    CommandLog* m_log = nullptr;
    StatusPanel* m_status = nullptr;
    QLabel* m_banner = nullptr;
    QTimer* m_timer;
    QProgressBar* m_exportProgress = nullptr;
    QString m_latencyTitle; // the latency charts' titles, noted when there is no latency to show
    QString m_histogramTitle;
    QString m_percentileTitle;
    // Observing: the columns irqscope measures only by firing (counts, latency) are hidden; the header as it was
    // before is what the settings keep.
    QByteArray m_headerBeforeObserving;
    DeviceRoots m_roots;

    bool m_blocked = false; // read-only (observing, replaying): no control that needs the device
    std::shared_ptr<const core::Snapshot> m_shown;
    uint64_t m_shownEpoch = 0;
    uint64_t m_shownGeneration = 0;
    bool m_slowPending = false; // m_shown is newer than what the table and the histogram show
    int64_t m_slowShownNs = 0;  // when they last took a snapshot
    std::vector<uint32_t> m_charted;
    mutable std::vector<uint32_t> m_selected; // selectedSlots(), recomputed when stale
    mutable bool m_selectedStale = true;
    // What was armed and triggering when the engine stopped: re-armed by the next start.
    std::vector<core::VectorRange> m_rearm;
    std::vector<core::VectorRange> m_retrigger;
};

} // namespace irqscope::ui

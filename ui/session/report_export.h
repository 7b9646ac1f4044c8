// Report export for the dashboard: every format core/report offers (JSON, CSV, HTML, PDF where cairo is built
// in, and the three cyclictest forms), rendered off the GUI thread from a job captured on it. A live run is
// rendered from a copy of its ReportCollector, a recording through reportFromRecording() (the same report the CLI
// renders from that file), an observed device through the observer's JSON report.
#pragma once

#include "observe/observe_report.h"
#include "record/recording_reader.h"
#include "report/report_collector.h"
#include "report/report_input.h"

#include <QString>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace irqscope::ui {

enum class ReportFormat
{
    Json,
    Csv,
    Html,
    Pdf,
    CyclictestSummary,   // T: lines (cyclictest -q)
    CyclictestHistogram, // cyclictest -h text histogram with its footer
    CyclictestJson,      // cyclictest --json
};

struct ReportFormatInfo
{
    ReportFormat format;
    QString label;  // "HTML report"
    QString suffix; // "html"
};

// The formats this build can write (PDF only with cairo), in menu order.
std::vector<ReportFormatInfo> reportFormats();
// "HTML report (*.html);;…" for a file dialog, and the format a chosen filter or file name stands for.
QString reportFileFilters();
std::optional<ReportFormat> reportFormatFor(const QString& filter, const QString& path);

// The live run's collector, fed by the aggregator's sink (its thread) and copied under `mutex` by an export.
struct CollectorBox
{
    CollectorBox(uint32_t slots, core::CollectorConfig config)
        : collector(slots, config)
    {}
    std::mutex mutex;
    core::ReportCollector collector;
};

// Everything one export needs, captured on the GUI thread; runReportJob() may run on any thread.
struct ReportJob
{
    ReportFormat format = ReportFormat::Json;
    std::string path;
    core::Snapshot snapshot; // what the dashboard shows
    core::RunDescription run;
    int coreCpu = -1;
    int64_t startWallNs = 0;
    std::shared_ptr<CollectorBox> live;                     // a live run
    std::shared_ptr<const core::RecordingReader> recording; // an opened recording
    std::optional<core::ObserveDescription> observe;        // an observed device
    std::vector<core::ObserverEvent> observeEvents;
};

// Renders and writes the report (atomically); `progress(percent, stage)` is called before each stage.
// Returns "" or a one-line error.
std::string runReportJob(const ReportJob& job, const std::function<void(int, const QString&)>& progress);

} // namespace irqscope::ui

// Rendering a report job: gather the ReportInput, render the chosen format, write it atomically.
#include "session/report_export.h"

#include "observe/observed_columns.h"
#include "record/recording_report.h"
#include "report/csv_report.h"
#include "report/cyclictest_output.h"
#include "report/html_report.h"
#include "report/system_info.h"
#include "report/tuning_info.h"
#ifdef IRQSCOPE_HAVE_PDF
#include "report/pdf/pdf_report.h"
#endif

#include <QFileInfo>
#include <QStringList>

#include <nlohmann/json.hpp>

namespace irqscope::ui {

namespace {
// The cyclictest histogram of a live export: cyclictest's own default of 1000 one-microsecond buckets.
constexpr uint32_t kLinearBuckets = 1000;
constexpr int64_t kLinearBucketNs = 1000;
} // namespace

std::vector<ReportFormatInfo> reportFormats()
{
    std::vector<ReportFormatInfo> out = {
        {ReportFormat::Json, QStringLiteral("JSON report"), QStringLiteral("json")},
        {ReportFormat::Csv, QStringLiteral("CSV per-vector summary"), QStringLiteral("csv")},
        {ReportFormat::Html, QStringLiteral("HTML report"), QStringLiteral("html")},
    };
#ifdef IRQSCOPE_HAVE_PDF
    out.push_back({ReportFormat::Pdf, QStringLiteral("PDF report"), QStringLiteral("pdf")});
#endif
    out.push_back({ReportFormat::CyclictestSummary, QStringLiteral("cyclictest summary"), QStringLiteral("txt")});
    out.push_back({ReportFormat::CyclictestHistogram, QStringLiteral("cyclictest histogram"), QStringLiteral("hist")});
    out.push_back({ReportFormat::CyclictestJson, QStringLiteral("cyclictest JSON"), QStringLiteral("ct.json")});
    return out;
}

QString reportFileFilters()
{
    QStringList filters;
    for (const auto& f : reportFormats())
        filters << QStringLiteral("%1 (*.%2)").arg(f.label, f.suffix);
    return filters.join(QStringLiteral(";;"));
}

std::optional<ReportFormat> reportFormatFor(const QString& filter, const QString& path)
{
    const auto formats = reportFormats();
    for (const auto& f : formats) {
        if (!filter.isEmpty() && filter.startsWith(f.label + QStringLiteral(" (")))
            return f.format;
    }
    // No filter: the longest matching suffix ("x.ct.json" is cyclictest JSON, not JSON).
    std::optional<ReportFormat> best;
    qsizetype bestLength = 0;
    for (const auto& f : formats) {
        if (path.endsWith(QLatin1Char('.') + f.suffix, Qt::CaseInsensitive) && f.suffix.size() > bestLength) {
            best = f.format;
            bestLength = f.suffix.size();
        }
    }
    return best;
}

std::string runReportJob(const ReportJob& job, const std::function<void(int, const QString&)>& progress)
{
    progress(5, QStringLiteral("collecting"));
    core::ReportInput input;
    if (job.recording) {
        // Exactly the report `irqscope report FILE` renders from this recording.
        if (auto err = core::reportFromRecording(*job.recording, kLinearBuckets, kLinearBucketNs, input); !err.empty())
            return err;
    } else {
        input.snapshot = job.snapshot;
        input.run = job.run;
        input.startWallNs = job.startWallNs;
        input.system = core::collectSystemInfo();
        input.tuning = core::collectTuningInfo(job.coreCpu);
        if (job.live) {
            std::shared_ptr<core::ReportCollector> copy;
            {
                std::lock_guard lock(job.live->mutex);
                copy = std::make_shared<core::ReportCollector>(job.live->collector);
            }
            core::applyCollector(input.snapshot, *copy);
            input.collector = std::move(copy);
        }
    }

    // An observer's snapshot: the CSV, HTML, PDF and cyclictest formats have only the active-mode columns, which
    // show the observed numbers (docs/observer.md); observeReportJson() does the same for the JSON's v1 keys.
    if (job.observe)
        input.snapshot = core::observedInActiveColumns(input.snapshot);

    progress(30, QStringLiteral("rendering"));
    std::string text;
    core::CyclictestOptions ct;
    switch (job.format) {
    case ReportFormat::Json:
        text = (job.observe
                    ? core::observeReportJson(input.snapshot, input.run, input.system, *job.observe, job.observeEvents)
                    : core::reportJson(input))
                   .dump(2) +
               "\n";
        break;
    case ReportFormat::Csv:
        text = core::csvSummary(input);
        break;
    case ReportFormat::Html:
        text = core::htmlReport(input);
        break;
    case ReportFormat::Pdf:
#ifdef IRQSCOPE_HAVE_PDF
        if (auto err = core::pdfReport(input, text); !err.empty())
            return err;
        break;
#else
        return "this irqscope was built without cairo: no PDF (install libcairo2-dev and rebuild)";
#endif
    case ReportFormat::CyclictestSummary:
        text = core::cyclictestSummary(input);
        break;
    case ReportFormat::CyclictestHistogram:
        text = core::cyclictestHistogram(input, ct);
        break;
    case ReportFormat::CyclictestJson:
        text = core::cyclictestJson(input, ct).dump(2) + "\n";
        break;
    }

    progress(80, QStringLiteral("writing"));
    if (auto err = core::writeTextFileAtomic(job.path, text); !err.empty())
        return err;
    progress(100, QStringLiteral("done"));
    return {};
}

} // namespace irqscope::ui

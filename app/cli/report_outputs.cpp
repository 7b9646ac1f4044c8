// Report options and the writer that renders each requested format from a ReportInput.
#include "report_outputs.h"

#include "report/csv_report.h"
#include "report/cyclictest_output.h"
#include "report/html_report.h"
#ifdef IRQSCOPE_HAVE_PDF
#include "report/pdf/pdf_report.h"
#endif

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>

namespace irqscope::cli {

using namespace irqscope::core;

namespace {

constexpr uint32_t kDefaultLinearBuckets = 1000;

std::string emit(const std::string& path, const std::string& text)
{
    if (path == "-") {
        std::fwrite(text.data(), 1, text.size(), stdout);
        return std::fflush(stdout) == 0 ? std::string() : std::string("cannot write to stdout");
    }
    return writeTextFileAtomic(path, text);
}

} // namespace

void addReportOutputOptions(CLI::App& cmd, ReportOutputs& o, bool withJson)
{
    if (withJson)
        cmd.add_option("--json", o.json, "Write the JSON report (docs/report-schema.md) to FILE (- for stdout)");
    cmd.add_option("--csv", o.csv, "Write the per-vector CSV summary to FILE (- for stdout)");
    cmd.add_flag("--samples", o.samples, "With --csv: one row per sample in FILE.samples.csv");
    cmd.add_option("--html", o.html, "Write the self-contained HTML report to FILE");
    cmd.add_option("--pdf", o.pdf, "Write the PDF report to FILE");
    cmd.add_flag("--cyclictest", o.cyclictest, "Print cyclictest -q style T: lines (one per vector)");
    cmd.add_option("--histogram", o.histogram,
                   "Print a cyclictest -h style histogram with this many 1 µs (--ns: 1 ns) buckets")
        ->check(CLI::Range(1u, 10'000'000u));
    cmd.add_option("--histfile", o.histfile, "Write the --histogram text to FILE instead of stdout");
    cmd.add_flag("--histogram-all", o.histogramAll, "Add an all-vectors column to the histogram (cyclictest -H)");
    cmd.add_option("--cyclictest-json", o.cyclictestJson, "Write cyclictest --json style results to FILE");
    cmd.add_flag("--ns", o.nanoseconds, "cyclictest outputs in nanoseconds (cyclictest -N)");
}

std::string checkReportOutputs(const ReportOutputs& o)
{
#ifndef IRQSCOPE_HAVE_PDF
    if (!o.pdf.empty())
        return "--pdf: this irqscope was built without cairo (install libcairo2-dev and rebuild)";
#endif
    if (o.samples && o.csv.empty())
        return "--samples needs --csv FILE";
    if (o.samples && o.csv == "-")
        return "--samples needs --csv with a file name (the samples go to FILE.samples.csv)";
    if (!o.histfile.empty() && o.histogram == 0)
        return "--histfile needs --histogram US";
    return {};
}

CollectorConfig collectorConfig(const ReportOutputs& o, int64_t originNs)
{
    CollectorConfig c;
    c.linearBuckets = o.histogram > 0 ? o.histogram : kDefaultLinearBuckets;
    c.linearBucketNs = o.nanoseconds ? 1 : 1000;
    c.originNs = originNs;
    return c;
}

std::vector<std::string> ReportOutputs::files() const
{
    std::vector<std::string> out;
    for (const std::string* path : {&json, &csv, &html, &pdf, &histfile, &cyclictestJson})
        if (!path->empty() && *path != "-")
            out.push_back(*path);
    if (samples && !csv.empty() && csv != "-")
        out.push_back(samplesCsvPath(csv));
    return out;
}

bool writeReports(const ReportInput& input, const ReportOutputs& o, int returnCode)
{
    bool ok = true;
    const auto check = [&ok](const std::string& err) {
        if (!err.empty()) {
            std::fprintf(stderr, "irqscope: error: %s\n", err.c_str());
            ok = false;
        }
    };
    if (!o.json.empty())
        check(emit(o.json, reportJson(input).dump(2) + "\n"));
    if (!o.csv.empty())
        check(emit(o.csv, csvSummary(input)));
    if (!o.html.empty())
        check(emit(o.html, htmlReport(input)));
#ifdef IRQSCOPE_HAVE_PDF
    if (!o.pdf.empty()) {
        std::string pdf;
        auto err = pdfReport(input, pdf);
        check(err.empty() ? emit(o.pdf, pdf) : err);
    }
#endif
    CyclictestOptions ct;
    ct.sumColumn = o.histogramAll;
    ct.returnCode = returnCode;
    if (o.cyclictest)
        check(emit("-", cyclictestSummary(input)));
    if (o.histogram > 0)
        check(emit(o.histfile.empty() ? "-" : o.histfile, cyclictestHistogram(input, ct)));
    if (!o.cyclictestJson.empty())
        check(emit(o.cyclictestJson, cyclictestJson(input, ct).dump(2) + "\n"));
    return ok;
}

} // namespace irqscope::cli

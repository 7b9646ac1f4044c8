// The report options `irqscope run` and `irqscope report` share (--json, --csv, --samples, --html, --pdf, the
// cyclictest forms), and writing every requested report from one ReportInput.
#pragma once

#include "report/report_collector.h"
#include "report/report_input.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace irqscope::cli {

struct ReportOutputs
{
    std::string json;
    std::string csv;
    bool samples = false; // per-sample rows in FILE.samples.csv
    std::string html;
    std::string pdf;
    bool cyclictest = false;   // T: summary lines on stdout
    uint32_t histogram = 0;    // cyclictest text histogram of this many 1-unit buckets (0: none)
    std::string histfile;      // the histogram goes here instead of stdout
    bool histogramAll = false; // an "all vectors" column (cyclictest -H)
    std::string cyclictestJson;
    bool nanoseconds = false; // cyclictest units: ns instead of µs

    // The files these options write (not stdout's "-"), in the order writeReports writes them.
    std::vector<std::string> files() const;

    bool any() const
    {
        return !json.empty() || !csv.empty() || !html.empty() || !pdf.empty() || cyclictest || histogram > 0 ||
               !cyclictestJson.empty();
    }
};

// `withJson`: add --json (run has its own).
void addReportOutputOptions(CLI::App& command, ReportOutputs& outputs, bool withJson);

// A one-line error when the options cannot work together (e.g. --pdf in a build without cairo), else "".
std::string checkReportOutputs(const ReportOutputs& outputs);

// The collector layout the cyclictest histogram needs (buckets and their width).
core::CollectorConfig collectorConfig(const ReportOutputs& outputs, int64_t originNs);

// Writes every requested report; "-" as a path means stdout. Prints one line per failure on stderr and returns
// false when any failed. `returnCode` goes into the cyclictest JSON.
bool writeReports(const core::ReportInput& input, const ReportOutputs& outputs, int returnCode);

} // namespace irqscope::cli

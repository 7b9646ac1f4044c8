// RunReports: what `irqscope run` adds to a measurement for reports, recordings and threshold actions. It owns
// the aggregator's sample sink (collector, recording writer, per-sample CSV, threshold monitor), so the core
// thread's ring keeps its single consumer.
#pragma once

#include "record/recording_meta.h"
#include "record/recording_writer.h"
#include "record/threshold_monitor.h"
#include "record/threshold_rule.h"
#include "report/csv_report.h"
#include "report/report_collector.h"
#include "report/report_input.h"
#include "report_outputs.h"
#include "stats/aggregator.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace irqscope::core {
class Engine;
}

namespace irqscope::cli {

struct RunReportOptions
{
    ReportOutputs outputs;
    std::string record;
    std::vector<std::string> thresholds; // --on-threshold rules as given
    std::size_t thresholdSamples = 4096;
    std::string thresholdDir = ".";
    std::string thresholdHoldoff = "1s";
};

void addRunReportOptions(CLI::App& run, RunReportOptions& options);

class RunReports
{
public:
    explicit RunReports(const RunReportOptions& options);

    // Checks the options before anything is opened; a one-line usage error or "".
    std::string validate();
    // After the engine started, before arming: reads /proc/interrupts and the system, opens the recording and
    // the sample CSV. A one-line error or "".
    std::string begin(core::Engine& engine, const core::RunDescription& run);
    // Installs the sink; `state` gives threshold snapshots the current state.
    void attach(core::Aggregator& aggregator, std::function<core::Snapshot()> state);

    bool stopRequested() const { return m_monitor && m_monitor->stopRequested(); }
    std::string stopReason() const { return m_monitor ? m_monitor->stopReason() : std::string(); }
    bool hasStopRule() const;

    // After the engine stopped and the final snapshot was taken: the report input of the run.
    core::ReportInput input(const core::Snapshot& final, const core::RunDescription& run);
    // Finishes the recording and the sample CSV, writes the reports, reports threshold actions on stderr.
    // Returns false when something could not be written.
    bool finish(const core::ReportInput& input, int returnCode);

private:
    void sink(const core::Sample* samples, std::size_t count);

    RunReportOptions m_options;
    std::vector<core::ThresholdRule> m_rules;
    int64_t m_holdoffNs = 1'000'000'000;
    core::RecordingMeta m_meta;
    std::shared_ptr<core::ReportCollector> m_collector;
    std::unique_ptr<core::RecordingWriter> m_recorder;
    std::unique_ptr<core::CsvSampleWriter> m_samplesCsv;
    std::unique_ptr<core::ThresholdMonitor> m_monitor;
};

} // namespace irqscope::cli

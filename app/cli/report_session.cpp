// RunReports: the run's sample sink and the report, recording and threshold plumbing around a measurement.
#include "report_session.h"

#include "base/duration.h"
#include "base/monotonic_clock.h"
#include "engine/engine.h"
#include "report/system_info.h"
#include "report/tuning_info.h"
#include "vfio/irq_device.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>

namespace irqscope::cli {

using namespace irqscope::core;

void addRunReportOptions(CLI::App& run, RunReportOptions& o)
{
    addReportOutputOptions(run, o.outputs, false);
    run.add_option("--record", o.record, "Record every sample and the system state to FILE (irqscope report/replay)");
    run.add_option("--on-threshold", o.thresholds,
                   "[VECTORS@]US:ACTION, ACTION = snapshot | stop | exec=CMD ARGS (repeatable)");
    run.add_option("--threshold-samples", o.thresholdSamples, "Samples a threshold snapshot keeps")
        ->check(CLI::Range(1, 10'000'000))
        ->capture_default_str();
    run.add_option("--threshold-dir", o.thresholdDir, "Directory for threshold snapshots")->capture_default_str();
    run.add_option("--threshold-holdoff", o.thresholdHoldoff, "Minimum time between two actions of one rule and vector")
        ->capture_default_str();
}

RunReports::RunReports(const RunReportOptions& options)
    : m_options(options)
{}

bool RunReports::hasStopRule() const
{
    for (const auto& r : m_rules) {
        if (r.action == ThresholdAction::Stop)
            return true;
    }
    return false;
}

std::string RunReports::validate()
{
    if (auto err = checkReportOutputs(m_options.outputs); !err.empty())
        return err;
    for (const auto& text : m_options.thresholds) {
        std::string err;
        auto rule = parseThresholdRule(text, err);
        if (!rule)
            return err;
        m_rules.push_back(std::move(*rule));
    }
    std::string err;
    const auto holdoff = parseDuration(m_options.thresholdHoldoff, err);
    if (!holdoff)
        return "--threshold-holdoff: " + err;
    m_holdoffNs = holdoff->count();
    if (!m_rules.empty() && !std::filesystem::is_directory(m_options.thresholdDir))
        return "--threshold-dir " + m_options.thresholdDir + " is not a directory";
    return {};
}

std::string RunReports::begin(Engine& engine, const RunDescription& run)
{
    const EngineStatus status = engine.status();
    const VectorSlots& slots = engine.slots();
    m_meta.run = run;
    m_meta.system = collectSystemInfo();
    m_meta.tuning = collectTuningInfo(status.coreCpu);
    m_meta.deviceId = engine.device().info().id;
    for (uint32_t i = 0; i < kNumPciIrqIndexes; ++i)
        m_meta.slotCounts[i] = slots.count(static_cast<IrqIndex>(i));
    m_meta.originNs = status.startedNs > 0 ? status.startedNs : monotonicNs();
    m_meta.startWallNs = realtimeNs();
    m_collector = std::make_shared<ReportCollector>(slots.size(), collectorConfig(m_options.outputs, m_meta.originNs));
    if (!m_options.record.empty()) {
        m_recorder = std::make_unique<RecordingWriter>();
        if (auto err = m_recorder->open(m_options.record); !err.empty())
            return err;
        m_recorder->writeText(SectionType::InterruptsBefore, readTextFile("/proc/interrupts"));
    }
    if (m_options.outputs.samples) {
        m_samplesCsv = std::make_unique<CsvSampleWriter>(slots, m_meta.originNs);
        if (auto err = m_samplesCsv->open(samplesCsvPath(m_options.outputs.csv)); !err.empty())
            return err;
    }
    return {};
}

void RunReports::attach(Aggregator& aggregator, std::function<Snapshot()> state)
{
    if (!m_rules.empty()) {
        ThresholdContext ctx;
        ctx.slots = VectorSlots(m_meta.slotCounts);
        ctx.meta = m_meta;
        ctx.snapshotDir = m_options.thresholdDir;
        ctx.snapshotSamples = m_options.thresholdSamples;
        ctx.holdoffNs = m_holdoffNs;
        ctx.state = std::move(state);
        m_monitor = std::make_unique<ThresholdMonitor>(m_rules, std::move(ctx));
    }
    aggregator.setSampleSink([this](const Sample* s, std::size_t n) { sink(s, n); });
}

void RunReports::sink(const Sample* samples, std::size_t count)
{
    m_collector->add(samples, count);
    if (m_recorder)
        m_recorder->writeSamples(samples, count);
    if (m_samplesCsv)
        m_samplesCsv->write(samples, count);
    if (m_monitor)
        m_monitor->add(samples, count);
}

ReportInput RunReports::input(const Snapshot& final, const RunDescription& run)
{
    m_meta.run = run;
    ReportInput in;
    in.snapshot = final;
    applyCollector(in.snapshot, *m_collector);
    in.run = run;
    in.system = m_meta.system;
    in.tuning = m_meta.tuning;
    in.collector = m_collector;
    in.startWallNs = m_meta.startWallNs;
    return in;
}

bool RunReports::finish(const ReportInput& input, int returnCode)
{
    bool ok = true;
    const auto check = [&ok](const std::string& err) {
        if (!err.empty()) {
            std::fprintf(stderr, "irqscope: error: %s\n", err.c_str());
            ok = false;
        }
    };
    if (m_monitor) {
        m_monitor->finish();
        for (const auto& line : m_monitor->takeMessages())
            std::fprintf(stderr, "irqscope: %s\n", line.c_str());
    }
    if (m_recorder) {
        m_recorder->writeText(SectionType::Meta, metaJson(m_meta).dump());
        m_recorder->writeText(SectionType::InterruptsAfter, readTextFile("/proc/interrupts"));
        m_recorder->writeText(SectionType::Final, snapshotJson(input.snapshot).dump());
        check(m_recorder->finish());
    }
    if (m_samplesCsv)
        check(m_samplesCsv->finish());
    ok = writeReports(input, m_options.outputs, returnCode) && ok;
    return ok;
}

} // namespace irqscope::cli

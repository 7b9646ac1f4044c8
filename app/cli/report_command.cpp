// `irqscope report FILE`: read and check a recording, rebuild its ReportInput, write the requested reports.
#include "report_command.h"

#include "cli_support.h"
#include "exit_codes.h"
#include "record/recording_reader.h"
#include "record/recording_report.h"
#include "report/csv_report.h"

#include <fmt/format.h>

#include <cstdio>

namespace irqscope::cli {

using namespace irqscope::core;

CLI::App* addReportCommand(CLI::App& app, ReportCommandOptions& o)
{
    auto* cmd = app.add_subcommand("report", "Render reports from a recording (irqscope run --record FILE)");
    cmd->add_option("recording", o.recording, "The recording file")->required();
    addReportOutputOptions(*cmd, o.outputs, true);
    cmd->add_flag("--info", o.info, "Print what the recording holds");
    return cmd;
}

int renderRecording(const ReportCommandOptions& o)
{
    if (auto err = checkReportOutputs(o.outputs); !err.empty())
        return fail(kExitUsage, err);
    if (!o.outputs.any() && !o.info)
        return fail(kExitUsage, "nothing to render: give --json, --csv, --html, --pdf, --cyclictest, --histogram, "
                                "--cyclictest-json or --info");
    RecordingReader reader;
    if (auto err = reader.open(o.recording); !err.empty())
        return fail(kExitUsage, err);
    const auto config = collectorConfig(o.outputs, 0);
    ReportInput input;
    if (auto err = reportFromRecording(reader, config.linearBuckets, config.linearBucketNs, input); !err.empty())
        return fail(kExitUsage, err);
    const Recording& rec = reader.recording();
    if (o.info) {
        std::printf("recording %s (format version %u)\ndevice %s: %s\nvectors %s, trigger %s @ %g Hz\n"
                    "%llu samples, %zu vectors, %.1f s, stopped: %s\nkernel %s on %s\n",
                    rec.path.c_str(), rec.version, rec.meta.deviceId.c_str(), rec.meta.run.deviceDescription.c_str(),
                    rec.meta.run.vectors.c_str(), rec.meta.run.trigger.c_str(), rec.meta.run.rateHz,
                    static_cast<unsigned long long>(rec.sampleCount), rec.final.vectors.size(), rec.final.elapsedSec,
                    rec.meta.run.stopReason.c_str(), rec.meta.system.kernel.c_str(), rec.meta.system.hostname.c_str());
    }
    if (o.outputs.samples) {
        CsvSampleWriter writer(VectorSlots(rec.meta.slotCounts), rec.meta.originNs);
        std::string err = writer.open(samplesCsvPath(o.outputs.csv));
        if (err.empty()) {
            err = reader.forEachSample([&](const Sample* s, std::size_t n) { writer.write(s, n); });
            const auto closeErr = writer.finish();
            err = err.empty() ? closeErr : err;
        }
        if (!err.empty())
            return fail(kExitFailure, err);
    }
    return writeReports(input, o.outputs, 0) ? kExitOk : kExitFailure;
}

} // namespace irqscope::cli

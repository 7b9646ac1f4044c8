// `irqscope report FILE`: renders any report (JSON, CSV, HTML, PDF, cyclictest forms) from a recording.
// Deterministic: the same recording always gives byte-identical reports.
#pragma once

#include "report_outputs.h"

#include <CLI/CLI.hpp>

#include <string>

namespace irqscope::cli {

struct ReportCommandOptions
{
    std::string recording;
    ReportOutputs outputs;
    bool info = false; // print what the recording holds
};

CLI::App* addReportCommand(CLI::App& app, ReportCommandOptions& options);
int renderRecording(const ReportCommandOptions& options);

} // namespace irqscope::cli

// The text content the HTML and PDF reports share: the title, the per-vector table, and the system/run facts.
#pragma once

#include "report/report_input.h"

#include <string>
#include <utility>
#include <vector>

namespace irqscope::core {

struct TextTable
{
    std::vector<std::string> header;
    std::vector<bool> numeric; // right-aligned columns
    std::vector<std::vector<std::string>> rows;
};

std::string reportTitle(const ReportInput& input);    // "irqscope report: sim"
std::string reportSubtitle(const ReportInput& input); // run time, duration, stop reason
TextTable vectorTable(const ReportInput& input);
// The instrument floor beside the vectors' latencies: its numbers and one sentence saying what it is
// (docs/benchmarks.md "The instrument floor"). "" when the input has none (an old recording).
std::string instrumentFloorText(const ReportInput& input);
// Round trip beside interrupt delivery (docs/dma-triggers.md §6), one row per vector the delivery poller watched;
// no rows when none was.
TextTable deliveryTable(const ReportInput& input);
// What the delivery table shows, in one line, or why the run has none ("" when delivery was never asked for).
std::string deliveryCaption(const ReportInput& input);
std::vector<std::pair<std::string, std::string>> systemFacts(const ReportInput& input);

} // namespace irqscope::core

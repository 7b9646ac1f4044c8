// The PDF report: the HTML report's content (vector table, histogram, latency and rate over time, timeline,
// system information) drawn with cairo on A4 landscape pages. Byte-stable: the creation date is the run's.
#pragma once

#include "report/report_input.h"

#include <string>

namespace irqscope::core {

// Renders the PDF into `out`; returns a one-line error, "" on success.
std::string pdfReport(const ReportInput& input, std::string& out);

} // namespace irqscope::core

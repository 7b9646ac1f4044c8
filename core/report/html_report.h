// The HTML report: one self-contained file (inline CSS and SVG, no script, no network) with the per-vector table,
// the OSADL-style histogram, latency and rate over time, the mask-state/error timeline and system information.
#pragma once

#include "report/report_input.h"

#include <string>

namespace irqscope::core {

std::string htmlReport(const ReportInput& input);

} // namespace irqscope::core

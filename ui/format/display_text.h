// Display text for the dashboard: latencies, rates, counts and vector names, formatted the way the CLI prints
// them (three significant digits, SI time units) so that the table and a terminal read alike.
#pragma once

#include "base/vector_id.h"

#include <QString>

#include <cstdint>

namespace irqscope::ui {

// "16.6 µs", "1.20 ms", "950 ns"; an em dash when there is no sample (count == 0).
QString formatLatency(int64_t ns, bool haveSamples = true);
// "1984", "12.3 k"
QString formatRate(double hz);
// "MSI-X", "INTx", ...
QString indexLabel(core::IrqIndex index);
// "msix:3"
QString vectorLabel(core::VectorId id);

} // namespace irqscope::ui

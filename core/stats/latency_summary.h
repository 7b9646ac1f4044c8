// summarizeLatency(): a LogHistogram reduced to the LatencySummary figures snapshots carry (count, min, max,
// mean, p50, p90, p99, p99.9, p99.99). Percentiles follow LogHistogram::percentile (bucket midpoint, within 1 %).
#pragma once

#include "stats/log_histogram.h"
#include "stats/snapshot.h"

namespace irqscope::core {

LatencySummary summarizeLatency(const LogHistogram& histogram);

} // namespace irqscope::core

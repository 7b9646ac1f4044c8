// LatencyStats: exact order statistics of one round's latency samples, and the median of a statistic across
// interleaved rounds (the figure every bench table prints).
#pragma once

#include <cstdint>
#include <vector>

namespace irqscope::bench {

struct LatencyStats
{
    int64_t minNs = 0;
    int64_t p50Ns = 0;
    int64_t p99Ns = 0;
    int64_t p999Ns = 0;
    int64_t maxNs = 0;
};

// Sorts `samples` in place; exact nearest-rank percentiles. All zero when empty.
LatencyStats summarise(std::vector<int64_t>& samples);

// The median (lower middle for an even count) of `values`; 0 when empty.
double median(std::vector<double> values);

// Medians of each statistic across rounds.
LatencyStats medianAcrossRounds(const std::vector<LatencyStats>& rounds);

} // namespace irqscope::bench

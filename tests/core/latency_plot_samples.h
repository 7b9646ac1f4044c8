// Latency samples for the plot tests, drawn deterministically from the simulated device's latency model
// (SimRandom, the distributions of --sim-latency): a sub-µs run as a loopback run on a quiet machine looks (a body
// at 0.5-1.5 µs and a rare tail to tens of µs), and `--sim-latency lognormal:200us,1`.
#pragma once

#include "sim/sim_config.h"
#include "sim/sim_random.h"
#include "stats/log_histogram.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace irqscope::test {

inline core::LatencyDistribution plotSampleDistribution(const std::string& text)
{
    std::string error;
    const auto d = core::parseLatencyDistribution(text, error);
    if (!d)
        throw std::runtime_error(error);
    return *d;
}

// `count` samples of `body`, one in `tailEvery` of `tail` instead (0: none), into a histogram.
inline core::LogHistogram plotSamples(const std::string& body, uint64_t count, const std::string& tail = "",
                                      uint64_t tailEvery = 0, uint64_t seed = 7)
{
    core::SimRandom random(seed);
    const auto bodyModel = plotSampleDistribution(body);
    const auto tailModel = tail.empty() ? bodyModel : plotSampleDistribution(tail);
    core::LogHistogram h;
    for (uint64_t i = 0; i < count; ++i)
        h.record(std::max<int64_t>(
            1, random.latencyNs(tailEvery && i % tailEvery == tailEvery - 1 ? tailModel : bodyModel)));
    return h;
}

// The sub-µs run: lognormal with a 700 ns median, and one sample in 1 000 from an exponential tail (mean 20 µs).
inline core::LogHistogram subMicrosecondRun(uint64_t count = 20'000)
{
    return plotSamples("lognormal:700ns,0.3", count, "exp:20us", 1'000);
}

inline core::LogHistogram lognormal200usRun(uint64_t count = 20'000)
{
    return plotSamples("lognormal:200us,1", count);
}

inline std::vector<std::pair<int64_t, uint64_t>> snapshotBuckets(const core::LogHistogram& h)
{
    std::vector<std::pair<int64_t, uint64_t>> out;
    h.forEachBucket([&out](const core::HistogramBucket& b) { out.emplace_back(b.lowerNs, b.count); });
    return out;
}

} // namespace irqscope::test

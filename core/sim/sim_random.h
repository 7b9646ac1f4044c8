// SimRandom: the simulated hardware's deterministic randomness (one seeded engine): fault coin flips, device
// latency samples and Poisson inter-arrival times.
#pragma once

#include "sim/sim_config.h"

#include <cstdint>
#include <random>

namespace irqscope::core {

class SimRandom
{
public:
    explicit SimRandom(uint64_t seed)
        : m_engine(seed)
    {}

    bool chance(double probability);                 // true with this probability (0: never, 1: always)
    int64_t latencyNs(const LatencyDistribution& d); // one device-latency sample, >= 0
    int64_t poissonGapNs(double ratePerSecond);      // exponential inter-arrival time, > 0
    uint32_t below(uint32_t n);                      // uniform in [0, n); n > 0

private:
    std::mt19937_64 m_engine;
};

} // namespace irqscope::core

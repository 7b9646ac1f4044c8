// SimRandom: seeded samples for the simulated hardware's latency and faults.
#include "sim/sim_random.h"

#include <algorithm>
#include <cmath>

namespace irqscope::core {

bool SimRandom::chance(double probability)
{
    if (probability <= 0)
        return false;
    if (probability >= 1)
        return true;
    return std::uniform_real_distribution<double>(0, 1)(m_engine) < probability;
}

int64_t SimRandom::latencyNs(const LatencyDistribution& d)
{
    double ns = 0;
    switch (d.kind) {
    case LatencyDistribution::Kind::None:
        return 0;
    case LatencyDistribution::Kind::Fixed:
        ns = d.a;
        break;
    case LatencyDistribution::Kind::Uniform:
        ns = d.b > d.a ? std::uniform_real_distribution<double>(d.a, d.b)(m_engine) : d.a;
        break;
    case LatencyDistribution::Kind::Normal:
        ns = d.b > 0 ? std::normal_distribution<double>(d.a, d.b)(m_engine) : d.a;
        break;
    case LatencyDistribution::Kind::LogNormal:
        // Median a: exp(N(ln a, sigma)) = a * exp(N(0, sigma)).
        ns = d.b > 0 ? d.a * std::exp(std::normal_distribution<double>(0, d.b)(m_engine)) : d.a;
        break;
    case LatencyDistribution::Kind::Exponential:
        ns = d.a > 0 ? std::exponential_distribution<double>(1.0 / d.a)(m_engine) : 0;
        break;
    }
    return static_cast<int64_t>(std::clamp(ns, 0.0, 3600e9));
}

int64_t SimRandom::poissonGapNs(double ratePerSecond)
{
    const double seconds = std::exponential_distribution<double>(ratePerSecond)(m_engine);
    return std::max<int64_t>(1, static_cast<int64_t>(std::min(seconds, 3600.0) * 1e9));
}

uint32_t SimRandom::below(uint32_t n)
{
    return std::uniform_int_distribution<uint32_t>(0, n - 1)(m_engine);
}

} // namespace irqscope::core

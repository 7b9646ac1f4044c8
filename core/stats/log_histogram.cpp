// LogHistogram: bucket arithmetic (clz-based index), recording, merging and quantile lookup.
#include "stats/log_histogram.h"

#include <algorithm>
#include <cmath>

namespace irqscope::core {

LogHistogram::LogHistogram()
    : m_counts(kBuckets, 0)
{}

void LogHistogram::record(int64_t valueNs)
{
    const uint32_t b = bucketOf(valueNs);
    ++m_counts[b];
    if (valueNs > kMaxValueNs)
        ++m_overflows;
    if (m_count == 0) {
        m_min = m_max = valueNs;
        m_lowest = m_highest = b;
    } else {
        m_min = std::min(m_min, valueNs);
        m_max = std::max(m_max, valueNs);
        m_lowest = std::min(m_lowest, b);
        m_highest = std::max(m_highest, b);
    }
    ++m_count;
    m_sum += static_cast<long double>(valueNs);
}

void LogHistogram::merge(const LogHistogram& other)
{
    if (other.m_count == 0)
        return;
    for (uint32_t b = other.m_lowest; b <= other.m_highest; ++b)
        m_counts[b] += other.m_counts[b];
    if (m_count == 0) {
        m_min = other.m_min;
        m_max = other.m_max;
        m_lowest = other.m_lowest;
        m_highest = other.m_highest;
    } else {
        m_min = std::min(m_min, other.m_min);
        m_max = std::max(m_max, other.m_max);
        m_lowest = std::min(m_lowest, other.m_lowest);
        m_highest = std::max(m_highest, other.m_highest);
    }
    m_count += other.m_count;
    m_overflows += other.m_overflows;
    m_sum += other.m_sum;
}

void LogHistogram::reset()
{
    if (m_count)
        std::fill(m_counts.begin() + m_lowest, m_counts.begin() + m_highest + 1, 0);
    m_lowest = m_highest = 0;
    m_count = m_overflows = 0;
    m_sum = 0;
    m_min = m_max = 0;
}

double LogHistogram::mean() const
{
    return m_count ? static_cast<double>(m_sum / static_cast<long double>(m_count)) : 0.0;
}

int64_t LogHistogram::percentile(double q) const
{
    if (m_count == 0)
        return 0;
    if (!(q > 0)) // also NaN
        return m_min;
    if (q >= 1)
        return m_max;
    const double exactRank = std::ceil(q * static_cast<double>(m_count));
    const uint64_t rank = std::clamp<uint64_t>(static_cast<uint64_t>(exactRank), 1, m_count);
    uint64_t seen = 0;
    for (uint32_t b = m_lowest; b <= m_highest; ++b) {
        seen += m_counts[b];
        if (seen >= rank)
            return std::clamp(bucketMidpoint(b), m_min, m_max);
    }
    return m_max;
}

std::vector<HistogramBucket> LogHistogram::nonEmptyBuckets() const
{
    std::vector<HistogramBucket> out;
    forEachBucket([&out](const HistogramBucket& b) { out.push_back(b); });
    return out;
}

} // namespace irqscope::core

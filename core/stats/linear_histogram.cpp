// LinearHistogram: recording, merging and resetting fixed-width buckets.
#include "stats/linear_histogram.h"

#include <algorithm>

namespace irqscope::core {

LinearHistogram::LinearHistogram(uint32_t buckets, int64_t bucketNs)
    : m_counts(std::max<uint32_t>(buckets, 1), 0)
    , m_bucketNs(std::max<int64_t>(bucketNs, 1))
{}

void LinearHistogram::record(int64_t valueNs)
{
    const uint64_t index = valueNs <= 0 ? 0 : static_cast<uint64_t>(valueNs / m_bucketNs);
    if (index < m_counts.size())
        ++m_counts[index];
    else
        ++m_overflows;
    if (m_count == 0) {
        m_min = m_max = valueNs;
    } else {
        m_min = std::min(m_min, valueNs);
        m_max = std::max(m_max, valueNs);
    }
    ++m_count;
    m_sum += static_cast<long double>(valueNs);
}

bool LinearHistogram::merge(const LinearHistogram& other)
{
    if (other.m_counts.size() != m_counts.size() || other.m_bucketNs != m_bucketNs)
        return false;
    if (other.m_count == 0)
        return true;
    for (std::size_t i = 0; i < m_counts.size(); ++i)
        m_counts[i] += other.m_counts[i];
    m_min = m_count ? std::min(m_min, other.m_min) : other.m_min;
    m_max = m_count ? std::max(m_max, other.m_max) : other.m_max;
    m_overflows += other.m_overflows;
    m_count += other.m_count;
    m_sum += other.m_sum;
    return true;
}

void LinearHistogram::reset()
{
    std::fill(m_counts.begin(), m_counts.end(), 0);
    m_overflows = m_count = 0;
    m_sum = 0;
    m_min = m_max = 0;
}

double LinearHistogram::mean() const
{
    return m_count ? static_cast<double>(m_sum / static_cast<long double>(m_count)) : 0.0;
}

} // namespace irqscope::core

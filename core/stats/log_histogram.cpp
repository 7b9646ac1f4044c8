#include "stats/log_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace irqscope::core {

LogHistogram::LogHistogram()
    : m_counts(bucketOf(kMaxValueNs) + 1, 0)
{}

uint32_t LogHistogram::bucketOf(int64_t valueNs)
{
    const uint64_t v = valueNs < 1 ? 1 : static_cast<uint64_t>(std::min(valueNs, kMaxValueNs));
    if (v < kSub)
        return static_cast<uint32_t>(v);
    const uint32_t e = 63 - static_cast<uint32_t>(std::countl_zero(v)); // floor(log2 v) >= kSubBits
    const uint32_t sub = static_cast<uint32_t>(v >> (e - kSubBits)) - kSub;
    return kSub + (e - kSubBits) * kSub + sub;
}

int64_t LogHistogram::bucketLower(uint32_t bucket)
{
    if (bucket < kSub)
        return bucket;
    const uint32_t e = (bucket - kSub) / kSub + kSubBits;
    const uint32_t sub = (bucket - kSub) % kSub;
    return static_cast<int64_t>(uint64_t(kSub + sub) << (e - kSubBits));
}

int64_t LogHistogram::bucketUpper(uint32_t bucket)
{
    if (bucket < kSub)
        return bucket;
    const uint32_t e = (bucket - kSub) / kSub + kSubBits;
    return bucketLower(bucket) + (int64_t(1) << (e - kSubBits)) - 1;
}

void LogHistogram::record(int64_t valueNs)
{
    if (valueNs > kMaxValueNs)
        ++m_overflows;
    ++m_counts[bucketOf(valueNs)];
    if (m_count == 0 || valueNs < m_min)
        m_min = valueNs;
    if (m_count == 0 || valueNs > m_max)
        m_max = valueNs;
    ++m_count;
    m_sum += static_cast<long double>(valueNs);
}

void LogHistogram::reset()
{
    std::fill(m_counts.begin(), m_counts.end(), 0);
    m_count = m_overflows = 0;
    m_sum = 0;
    m_min = m_max = 0;
}

void LogHistogram::merge(const LogHistogram& other)
{
    if (other.m_count == 0)
        return;
    for (std::size_t i = 0; i < m_counts.size(); ++i)
        m_counts[i] += other.m_counts[i];
    m_min = m_count ? std::min(m_min, other.m_min) : other.m_min;
    m_max = m_count ? std::max(m_max, other.m_max) : other.m_max;
    m_count += other.m_count;
    m_overflows += other.m_overflows;
    m_sum += other.m_sum;
}

int64_t LogHistogram::percentile(double q) const
{
    if (m_count == 0)
        return 0;
    q = std::clamp(q, 0.0, 1.0);
    const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(m_count))));
    uint64_t seen = 0;
    for (uint32_t b = 0; b < m_counts.size(); ++b) {
        seen += m_counts[b];
        if (seen >= rank) {
            const int64_t mid = bucketLower(b) + (bucketUpper(b) - bucketLower(b)) / 2;
            return std::clamp(mid, m_min, m_max);
        }
    }
    return m_max;
}

} // namespace irqscope::core

// LogHistogram: log-linear (HDR-style) latency histogram from 1 ns to 10 s: exact below 128 ns, then 128
// sub-buckets per power of two, so every bucket is at most 1/128 (0.78 %) wide relative to its values. O(1)
// record (count-leading-zeros), no allocation after construction.
#pragma once

#include <cstdint>
#include <vector>

namespace irqscope::core {

class LogHistogram
{
public:
    static constexpr int64_t kMaxValueNs = 10'000'000'000; // 10 s
    static constexpr uint32_t kSubBits = 7;
    static constexpr uint32_t kSub = 1u << kSubBits;

    LogHistogram();

    void record(int64_t valueNs);
    void reset();
    void merge(const LogHistogram& other);

    uint64_t count() const { return m_count; }
    uint64_t overflows() const { return m_overflows; } // values above 10 s (counted in the top bucket too)
    int64_t min() const { return m_count ? m_min : 0; }
    int64_t max() const { return m_count ? m_max : 0; }
    double mean() const { return m_count ? static_cast<double>(m_sum) / static_cast<double>(m_count) : 0; }
    // The value at quantile q (0..1): the midpoint of the bucket holding that rank, clamped to [min, max], so it
    // is within 1 % of the true quantile.
    int64_t percentile(double q) const;

    static uint32_t bucketOf(int64_t valueNs);
    static int64_t bucketLower(uint32_t bucket);
    static int64_t bucketUpper(uint32_t bucket); // inclusive
    uint32_t buckets() const { return static_cast<uint32_t>(m_counts.size()); }
    uint64_t bucketCount(uint32_t bucket) const { return m_counts[bucket]; }

private:
    std::vector<uint64_t> m_counts;
    uint64_t m_count = 0;
    uint64_t m_overflows = 0;
    long double m_sum = 0;
    int64_t m_min = 0;
    int64_t m_max = 0;
};

} // namespace irqscope::core

// LinearHistogram: fixed-width buckets (1 µs by default) from 0 up to a size chosen at construction, with an
// overflow count: the layout cyclictest's `--histogram US` output prints. No allocation after construction.
#pragma once

#include <cstdint>
#include <vector>

namespace irqscope::core {

// Not thread-safe: one thread records.
class LinearHistogram
{
public:
    static constexpr int64_t kDefaultBucketNs = 1000; // 1 µs

    // `buckets` buckets of `bucketNs` each: bucket i holds [i * bucketNs, (i + 1) * bucketNs). Both at least 1.
    explicit LinearHistogram(uint32_t buckets, int64_t bucketNs = kDefaultBucketNs);

    // Values below 0 count in bucket 0; values at or above buckets() * bucketNs() count as overflows only.
    // count(), min(), max() and mean() are exact and include overflows.
    void record(int64_t valueNs);
    // Adds `other` (same layout required: returns false and changes nothing otherwise).
    bool merge(const LinearHistogram& other);
    void reset();

    uint32_t buckets() const { return static_cast<uint32_t>(m_counts.size()); }
    int64_t bucketNs() const { return m_bucketNs; }
    uint64_t countAt(uint32_t bucket) const { return m_counts[bucket]; }
    uint64_t overflows() const { return m_overflows; }
    uint64_t count() const { return m_count; }
    int64_t min() const { return m_count ? m_min : 0; }
    int64_t max() const { return m_count ? m_max : 0; }
    double mean() const;

    const uint64_t* storage() const { return m_counts.data(); } // for tests: never moves

private:
    std::vector<uint64_t> m_counts;
    int64_t m_bucketNs;
    uint64_t m_overflows = 0;
    uint64_t m_count = 0;
    long double m_sum = 0;
    int64_t m_min = 0;
    int64_t m_max = 0;
};

} // namespace irqscope::core

// LogHistogram: log-linear (HDR-style) latency histogram from 1 ns to 10 s. Exact below 128 ns, then 128
// sub-buckets per power of two, so no bucket is wider than 1/128 (0.78 %) of its lower bound. O(1) record via
// count-leading-zeros; the bucket array is allocated once, in the constructor, and never again.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

namespace irqscope::core {

struct HistogramBucket
{
    int64_t lowerNs = 0; // inclusive
    int64_t upperNs = 0; // inclusive
    uint64_t count = 0;
};

// Not thread-safe: one thread records (the aggregator); readers get copies through snapshots.
class LogHistogram
{
public:
    static constexpr int64_t kMinValueNs = 1;
    static constexpr int64_t kMaxValueNs = 10'000'000'000; // 10 s
    static constexpr uint32_t kSubBits = 7;
    static constexpr uint32_t kSub = 1u << kSubBits; // sub-buckets per power of two

    // Allocates every bucket (about 28 KiB); nothing allocates afterwards.
    LogHistogram();

    // Values below 1 ns are counted in the first bucket, values above 10 s in the top bucket and in overflows().
    // count(), sum, min() and max() use the value as given (exact), only the bucket is clamped.
    void record(int64_t valueNs);
    // Adds `other`'s buckets and exact figures to this one.
    void merge(const LogHistogram& other);
    // Back to empty; clears only the buckets that were touched.
    void reset();

    uint64_t count() const { return m_count; }
    uint64_t overflows() const { return m_overflows; }
    int64_t min() const { return m_count ? m_min : 0; } // 0 when empty
    int64_t max() const { return m_count ? m_max : 0; }
    double mean() const; // exact (sum / count); 0 when empty

    // The value at quantile q in [0, 1] (clamped): q = 0 gives min(), q = 1 gives max() (both exact). Otherwise the
    // rank ceil(q * count) is located and the MIDPOINT of its bucket, (lower + upper) / 2 rounded down and clamped
    // to [min(), max()], is returned: within half a bucket, at most 0.39 % of the true quantile. A rank that fell
    // into the top bucket because it was above 10 s reads as that bucket (about 10 s). 0 when empty.
    int64_t percentile(double q) const;

    // Bucket layout (static: the same for every histogram).
    // Buckets 0..126 hold the exact values 1..127; from 128 on, one row of kSub buckets per power of two.
    static constexpr uint32_t bucketOf(int64_t valueNs) // clamps to [1 ns, 10 s] first
    {
        const uint64_t v = static_cast<uint64_t>(std::clamp(valueNs, kMinValueNs, kMaxValueNs));
        if (v < kSub)
            return static_cast<uint32_t>(v - 1);
        const uint32_t e = 63 - static_cast<uint32_t>(std::countl_zero(v)); // floor(log2 v) >= kSubBits
        const uint32_t sub = static_cast<uint32_t>(v >> (e - kSubBits)) - kSub;
        return (kSub - 1) + (e - kSubBits) * kSub + sub;
    }
    static constexpr int64_t bucketLower(uint32_t bucket)
    {
        if (bucket < kSub - 1)
            return static_cast<int64_t>(bucket) + 1;
        const uint32_t row = (bucket - (kSub - 1)) / kSub; // doublings above 2^kSubBits
        const uint32_t sub = (bucket - (kSub - 1)) % kSub;
        return static_cast<int64_t>(static_cast<uint64_t>(kSub + sub) << row);
    }
    static constexpr int64_t bucketUpper(uint32_t bucket) // inclusive
    {
        if (bucket < kSub - 1)
            return static_cast<int64_t>(bucket) + 1;
        return bucketLower(bucket) + (int64_t{1} << ((bucket - (kSub - 1)) / kSub)) - 1;
    }
    static constexpr int64_t bucketMidpoint(uint32_t bucket)
    {
        return bucketLower(bucket) + (bucketUpper(bucket) - bucketLower(bucket)) / 2;
    }
    static const uint32_t kBuckets; // bucketOf(kMaxValueNs) + 1, defined below the class

    uint64_t countAt(uint32_t bucket) const { return m_counts[bucket]; }

    // Calls fn(const HistogramBucket&) for every non-empty bucket in ascending order.
    template<typename Fn>
    void forEachBucket(Fn&& fn) const
    {
        if (m_count == 0)
            return;
        for (uint32_t b = m_lowest; b <= m_highest; ++b) {
            if (m_counts[b])
                fn(HistogramBucket{bucketLower(b), bucketUpper(b), m_counts[b]});
        }
    }
    std::vector<HistogramBucket> nonEmptyBuckets() const;

    // For tests: the bucket storage never moves or grows.
    const uint64_t* storage() const { return m_counts.data(); }

private:
    std::vector<uint64_t> m_counts;
    uint32_t m_lowest = 0; // touched bucket range, valid when m_count > 0
    uint32_t m_highest = 0;
    uint64_t m_count = 0;
    uint64_t m_overflows = 0;
    long double m_sum = 0; // 64-bit mantissa: exact up to 2^64 ns of summed latency
    int64_t m_min = 0;
    int64_t m_max = 0;
};

inline constexpr uint32_t LogHistogram::kBuckets = LogHistogram::bucketOf(LogHistogram::kMaxValueNs) + 1;

} // namespace irqscope::core

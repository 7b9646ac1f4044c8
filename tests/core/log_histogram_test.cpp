// LogHistogram and LinearHistogram: known distributions against exact quantiles, edge values, bucket widths,
// merge, reset, the percentile convention (bucket midpoint) and no allocation after construction.
#include "engine/alloc_probe.h"
#include "stats/latency_summary.h"
#include "stats/linear_histogram.h"
#include "stats/log_histogram.h"

#include "exact_quantile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

using namespace irqscope::core;

using irqscope::test::exactQuantile;

namespace {

void expectWithinOnePercent(int64_t got, int64_t want, double q)
{
    const double tolerance = std::max(0.01 * static_cast<double>(want), 0.5);
    EXPECT_NEAR(static_cast<double>(got), static_cast<double>(want), tolerance) << "q=" << q;
}

constexpr double kQuantiles[] = {0.0001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999};

} // namespace

TEST(LogHistogram, EmptyReadsZero)
{
    LogHistogram h;
    EXPECT_EQ(h.count(), 0u);
    EXPECT_EQ(h.min(), 0);
    EXPECT_EQ(h.max(), 0);
    EXPECT_EQ(h.mean(), 0.0);
    EXPECT_EQ(h.percentile(0.5), 0);
    EXPECT_TRUE(h.nonEmptyBuckets().empty());
}

TEST(LogHistogram, ConstantValuesWithOneOutlier)
{
    // HdrHistogram's classic: 10k values at 1000 ns plus one 1e8 ns outlier.
    LogHistogram h;
    for (int i = 0; i < 10'000; ++i)
        h.record(1000);
    h.record(100'000'000);
    EXPECT_EQ(h.count(), 10'001u);
    EXPECT_EQ(h.min(), 1000);
    EXPECT_EQ(h.max(), 100'000'000);
    EXPECT_DOUBLE_EQ(h.mean(), (10'000.0 * 1000 + 1e8) / 10'001.0);
    for (double q : {0.3, 0.5, 0.9, 0.99, 0.999, 0.9999})
        expectWithinOnePercent(h.percentile(q), 1000, q);
    expectWithinOnePercent(h.percentile(0.99999), 100'000'000, 0.99999);
    EXPECT_EQ(h.percentile(1.0), 100'000'000);
    EXPECT_EQ(h.percentile(0.0), 1000);
}

TEST(LogHistogram, UniformDistributionPercentilesWithinOnePercent)
{
    LogHistogram h;
    std::vector<int64_t> values;
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<int64_t> dist(1, 1'000'000);
    for (int i = 0; i < 200'000; ++i) {
        values.push_back(dist(rng));
        h.record(values.back());
    }
    for (double q : kQuantiles)
        expectWithinOnePercent(h.percentile(q), exactQuantile(values, q), q);
    double sum = 0;
    for (auto v : values)
        sum += static_cast<double>(v);
    EXPECT_NEAR(h.mean(), sum / static_cast<double>(values.size()), 1e-6);
}

TEST(LogHistogram, LogNormalDistributionPercentilesWithinOnePercent)
{
    // Spans many powers of two, like real interrupt latencies with a long tail.
    LogHistogram h;
    std::vector<int64_t> values;
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> dist(std::log(20'000.0), 1.5);
    for (int i = 0; i < 100'000; ++i) {
        values.push_back(std::clamp<int64_t>(static_cast<int64_t>(dist(rng)), 1, LogHistogram::kMaxValueNs));
        h.record(values.back());
    }
    for (double q : kQuantiles)
        expectWithinOnePercent(h.percentile(q), exactQuantile(values, q), q);
}

TEST(LogHistogram, PercentileReturnsTheBucketMidpointClampedToMinMax)
{
    LogHistogram h;
    h.record(5000);
    h.record(6000);
    h.record(7000);
    const uint32_t b = LogHistogram::bucketOf(5000);
    ASSERT_GT(LogHistogram::bucketUpper(b), LogHistogram::bucketLower(b)); // a bucket wider than one value
    // Rank 1 of 3 lies in 5000's bucket: its midpoint, clamped up to min() = 5000 when below it.
    EXPECT_EQ(h.percentile(0.2), std::max<int64_t>(LogHistogram::bucketMidpoint(b), 5000));
    const uint32_t b6 = LogHistogram::bucketOf(6000);
    EXPECT_EQ(h.percentile(0.5), LogHistogram::bucketMidpoint(b6));
    EXPECT_GE(h.percentile(0.5), LogHistogram::bucketLower(b6));
    EXPECT_LE(h.percentile(0.5), LogHistogram::bucketUpper(b6));
    // q = 0 and q = 1 are the exact extremes; out-of-range q clamps.
    EXPECT_EQ(h.percentile(0), 5000);
    EXPECT_EQ(h.percentile(1), 7000);
    EXPECT_EQ(h.percentile(-3), 5000);
    EXPECT_EQ(h.percentile(3), 7000);
    // The top value's midpoint is clamped down to max() when the bucket reaches past it.
    EXPECT_LE(h.percentile(0.99), 7000);
}

TEST(LogHistogram, EdgeValues)
{
    LogHistogram h;
    h.record(0);
    h.record(-5);
    h.record(1);
    EXPECT_EQ(h.countAt(0), 3u) << "values below 1 ns clamp to the first bucket";
    EXPECT_EQ(LogHistogram::bucketLower(0), 1);
    EXPECT_EQ(LogHistogram::bucketUpper(0), 1);
    EXPECT_EQ(h.min(), -5) << "min stays exact";
    EXPECT_EQ(h.overflows(), 0u);

    h.record(LogHistogram::kMaxValueNs);
    EXPECT_EQ(h.overflows(), 0u) << "10 s itself is in range";
    h.record(LogHistogram::kMaxValueNs + 1);
    h.record(3'600'000'000'000);
    EXPECT_EQ(h.overflows(), 2u);
    const uint32_t top = LogHistogram::kBuckets - 1;
    EXPECT_EQ(LogHistogram::bucketOf(LogHistogram::kMaxValueNs), top);
    EXPECT_EQ(LogHistogram::bucketOf(INT64_MAX), top);
    EXPECT_EQ(h.countAt(top), 3u) << "values above 10 s are clamped to the top bucket";
    EXPECT_EQ(h.max(), 3'600'000'000'000) << "max stays exact";
    EXPECT_EQ(h.count(), 6u);
    EXPECT_LE(LogHistogram::bucketLower(top), LogHistogram::kMaxValueNs);
    EXPECT_GE(LogHistogram::bucketUpper(top), LogHistogram::kMaxValueNs);
    // A rank among the overflows reads as the top bucket (about 10 s).
    expectWithinOnePercent(h.percentile(0.9), LogHistogram::kMaxValueNs, 0.9);
}

TEST(LogHistogram, BucketsTileTheRangeWithRelativeWidthAtMostOnePercent)
{
    EXPECT_EQ(LogHistogram::bucketLower(0), LogHistogram::kMinValueNs);
    for (uint32_t b = 0; b < LogHistogram::kBuckets; ++b) {
        const int64_t lower = LogHistogram::bucketLower(b);
        const int64_t upper = LogHistogram::bucketUpper(b);
        ASSERT_LE(lower, upper);
        if (b > 0) {
            ASSERT_EQ(lower, LogHistogram::bucketUpper(b - 1) + 1) << "gap or overlap at bucket " << b;
        }
        // Every value in the bucket is within 1 % of every other (exact buckets hold a single value); from 128 ns on,
        // where a bucket spans several integers, even the half-open width [lower, upper + 1) is within 1 %.
        ASSERT_LE(static_cast<double>(upper - lower) / static_cast<double>(lower), 0.01) << "bucket " << b;
        if (lower >= LogHistogram::kSub) {
            ASSERT_LE(static_cast<double>(upper + 1 - lower) / static_cast<double>(lower), 0.01)
                << "bucket " << b << " [" << lower << ", " << upper << "]";
        }
        ASSERT_EQ(LogHistogram::bucketOf(lower), b);
        ASSERT_EQ(LogHistogram::bucketOf(std::min(upper, LogHistogram::kMaxValueNs)), b);
        ASSERT_EQ(LogHistogram::bucketOf(lower + (upper - lower) / 2), b);
    }
    // A few thousand buckets, not millions.
    EXPECT_LT(LogHistogram::kBuckets, 4000u);
}

TEST(LogHistogram, MergeEqualsRecordingEverythingInOne)
{
    LogHistogram a, b, all;
    std::mt19937_64 rng(3);
    std::uniform_int_distribution<int64_t> low(100, 10'000), high(1'000'000, 50'000'000);
    for (int i = 0; i < 5000; ++i) {
        const int64_t x = low(rng), y = high(rng);
        a.record(x);
        b.record(y);
        all.record(x);
        all.record(y);
    }
    b.record(LogHistogram::kMaxValueNs * 2);
    all.record(LogHistogram::kMaxValueNs * 2);
    a.merge(b);
    EXPECT_EQ(a.count(), all.count());
    EXPECT_EQ(a.min(), all.min());
    EXPECT_EQ(a.max(), all.max());
    EXPECT_EQ(a.overflows(), 1u);
    EXPECT_DOUBLE_EQ(a.mean(), all.mean());
    for (uint32_t i = 0; i < LogHistogram::kBuckets; ++i)
        ASSERT_EQ(a.countAt(i), all.countAt(i));
    for (double q : kQuantiles)
        EXPECT_EQ(a.percentile(q), all.percentile(q));

    LogHistogram empty;
    empty.merge(a);
    EXPECT_EQ(empty.count(), a.count());
    EXPECT_EQ(empty.min(), a.min());
    a.merge(LogHistogram{});
    EXPECT_EQ(a.count(), all.count());
}

TEST(LogHistogram, ResetEmptiesEverything)
{
    LogHistogram h;
    for (int64_t v : std::vector<int64_t>{3, 300, 30'000, 3'000'000, 30'000'000'000})
        h.record(v);
    h.reset();
    EXPECT_EQ(h.count(), 0u);
    EXPECT_EQ(h.overflows(), 0u);
    EXPECT_EQ(h.mean(), 0.0);
    EXPECT_EQ(h.percentile(0.5), 0);
    for (uint32_t i = 0; i < LogHistogram::kBuckets; ++i)
        ASSERT_EQ(h.countAt(i), 0u);
    h.record(42);
    EXPECT_EQ(h.min(), 42);
    EXPECT_EQ(h.max(), 42);
    EXPECT_EQ(h.percentile(0.5), 42);
}

TEST(LogHistogram, IteratesNonEmptyBucketsInOrder)
{
    LogHistogram h;
    for (int i = 0; i < 3; ++i)
        h.record(50);
    h.record(1'000'000);
    h.record(1'000'001);
    h.record(9'000'000'000);
    const auto buckets = h.nonEmptyBuckets();
    ASSERT_EQ(buckets.size(), 3u);
    EXPECT_EQ(buckets[0].lowerNs, 50);
    EXPECT_EQ(buckets[0].upperNs, 50);
    EXPECT_EQ(buckets[0].count, 3u);
    EXPECT_LE(buckets[1].lowerNs, 1'000'000);
    EXPECT_GE(buckets[1].upperNs, 1'000'001);
    EXPECT_EQ(buckets[1].count, 2u);
    EXPECT_LE(buckets[2].lowerNs, 9'000'000'000);
    EXPECT_GE(buckets[2].upperNs, 9'000'000'000);
    uint64_t total = 0;
    h.forEachBucket([&](const HistogramBucket& b) { total += b.count; });
    EXPECT_EQ(total, h.count());
}

TEST(LogHistogram, NoAllocationAfterConstruction)
{
    LogHistogram h, other;
    other.record(77);
    const uint64_t* storage = h.storage();
    const uint64_t before = threadAllocations(); // counted where the test binary installs the hook
    std::mt19937_64 rng(1);
    std::uniform_int_distribution<int64_t> dist(-10, 20'000'000'000);
    for (int i = 0; i < 100'000; ++i)
        h.record(dist(rng));
    h.merge(other);
    (void)h.percentile(0.99);
    h.forEachBucket([](const HistogramBucket&) {});
    h.reset();
    EXPECT_EQ(h.storage(), storage);
    if (allocationHookInstalled()) {
        EXPECT_EQ(threadAllocations(), before);
    }
}

TEST(LogHistogram, SummaryCarriesThePercentileSet)
{
    LogHistogram h;
    for (int64_t v = 1; v <= 100'000; ++v)
        h.record(v * 10);
    const LatencySummary s = summarizeLatency(h);
    EXPECT_EQ(s.count, 100'000u);
    EXPECT_EQ(s.minNs, 10);
    EXPECT_EQ(s.maxNs, 1'000'000);
    EXPECT_NEAR(s.meanNs, 500'005.0, 1e-6);
    expectWithinOnePercent(s.p50Ns, 500'000, 0.5);
    expectWithinOnePercent(s.p90Ns, 900'000, 0.9);
    expectWithinOnePercent(s.p99Ns, 990'000, 0.99);
    expectWithinOnePercent(s.p999Ns, 999'000, 0.999);
    expectWithinOnePercent(s.p9999Ns, 999'900, 0.9999);
    EXPECT_EQ(summarizeLatency(LogHistogram{}).count, 0u);
}

TEST(LinearHistogram, MicrosecondBucketsAndOverflow)
{
    LinearHistogram h(100); // 0..99 µs
    EXPECT_EQ(h.buckets(), 100u);
    EXPECT_EQ(h.bucketNs(), 1000);
    h.record(0);
    h.record(999);
    h.record(1000);
    h.record(99'999);
    h.record(100'000);
    h.record(5'000'000);
    h.record(-3);
    EXPECT_EQ(h.countAt(0), 3u);
    EXPECT_EQ(h.countAt(1), 1u);
    EXPECT_EQ(h.countAt(99), 1u);
    EXPECT_EQ(h.overflows(), 2u);
    EXPECT_EQ(h.count(), 7u);
    EXPECT_EQ(h.min(), -3);
    EXPECT_EQ(h.max(), 5'000'000);
    EXPECT_NEAR(h.mean(), (0 + 999 + 1000 + 99'999 + 100'000 + 5'000'000 - 3) / 7.0, 1e-9);
}

TEST(LinearHistogram, MergeResetAndFixedStorage)
{
    LinearHistogram a(10), b(10), other(20);
    const uint64_t* storage = a.storage();
    a.record(1500);
    b.record(1700);
    b.record(50'000);
    EXPECT_TRUE(a.merge(b));
    EXPECT_EQ(a.countAt(1), 2u);
    EXPECT_EQ(a.overflows(), 1u);
    EXPECT_EQ(a.count(), 3u);
    EXPECT_EQ(a.max(), 50'000);
    EXPECT_FALSE(a.merge(other)) << "different layouts do not merge";
    EXPECT_EQ(a.count(), 3u);
    a.reset();
    EXPECT_EQ(a.count(), 0u);
    EXPECT_EQ(a.overflows(), 0u);
    EXPECT_EQ(a.countAt(1), 0u);
    EXPECT_EQ(a.storage(), storage);

    LinearHistogram coarse(4, 250); // 250 ns buckets
    coarse.record(260);
    EXPECT_EQ(coarse.countAt(1), 1u);
}

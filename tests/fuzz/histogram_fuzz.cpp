// Fuzzes LogHistogram (core/stats) with arbitrary values, splits and quantiles, against an exact reference (the
// sorted values). Invariants: count, min, max and overflows exact; every bucket holds its values; a percentile is
// within its bucket of the exact quantile, inside [min, max] and monotonic in q; merge equals recording everything
// in one histogram; reset empties.
#include "fuzz_check.h"
#include "stats/log_histogram.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

using namespace irqscope::core;
using irqscope::fuzz::ByteReader;

namespace {

// Values spread over the whole range, including the edges: the first byte of each value picks its shape.
int64_t nextValue(ByteReader& in)
{
    const uint8_t shape = in.byte();
    switch (shape % 8) {
    case 0:
        return in.get<int64_t>(); // anything, negatives and huge ones included
    case 1:
        return in.byte(); // exact region
    case 2:
        return static_cast<int64_t>(in.get<uint16_t>()) << (shape / 8 % 48);
    case 3:
        return LogHistogram::kMaxValueNs - 1 + (in.byte() % 3); // around the top
    case 4:
        return -static_cast<int64_t>(in.byte()); // zero and below
    case 5: {
        const uint32_t b = in.get<uint16_t>() % LogHistogram::kBuckets;
        return LogHistogram::bucketUpper(b) + (in.byte() % 2); // bucket edges
    }
    default:
        return static_cast<int64_t>(in.get<uint32_t>());
    }
}

uint64_t exactOverflows(const std::vector<int64_t>& v)
{
    return static_cast<uint64_t>(
        std::count_if(v.begin(), v.end(), [](int64_t x) { return x > LogHistogram::kMaxValueNs; }));
}

// Quantiles checked: the report's (0, 0.5, 0.9, 0.99, 0.999, 0.9999, 1) and a few picked by the input. Each
// percentile() walks the touched buckets, so the list stays short for the fuzzer's speed.
std::vector<double> g_quantiles;

void checkAgainst(const LogHistogram& h, std::vector<int64_t> values)
{
    FUZZ_CHECK(h.count() == values.size(), "count %llu, recorded %zu", (unsigned long long)h.count(), values.size());
    if (values.empty()) {
        FUZZ_CHECK(h.min() == 0 && h.max() == 0 && h.percentile(0.5) == 0 && h.mean() == 0, "empty is not zero");
        return;
    }
    std::sort(values.begin(), values.end());
    FUZZ_CHECK(h.min() == values.front(), "min %lld, exact %lld", (long long)h.min(), (long long)values.front());
    FUZZ_CHECK(h.max() == values.back(), "max %lld, exact %lld", (long long)h.max(), (long long)values.back());
    FUZZ_CHECK(h.overflows() == exactOverflows(values), "overflows");
    FUZZ_CHECK(h.percentile(0) == h.min() && h.percentile(1) == h.max(), "q=0/1 are not min/max");
    uint64_t total = 0;
    h.forEachBucket([&](const HistogramBucket& b) {
        FUZZ_CHECK(b.lowerNs <= b.upperNs, "bucket [%lld, %lld]", (long long)b.lowerNs, (long long)b.upperNs);
        total += b.count;
    });
    FUZZ_CHECK(total == h.count(), "buckets hold %llu of %llu", (unsigned long long)total,
               (unsigned long long)h.count());
    int64_t previous = h.min();
    for (const double q : g_quantiles) {
        const int64_t p = h.percentile(q);
        FUZZ_CHECK(p >= h.min() && p <= h.max(), "p(%g) = %lld outside [min, max]", q, (long long)p);
        FUZZ_CHECK(p >= previous, "p(%g) = %lld below the previous quantile %lld", q, (long long)p,
                   (long long)previous);
        previous = p;
        if (q <= 0 || q >= 1)
            continue;
        // The exact value at the same rank must lie in the bucket whose midpoint was returned.
        const auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(values.size())));
        const int64_t exact = values[std::max<uint64_t>(rank, 1) - 1];
        const uint32_t bucket = LogHistogram::bucketOf(exact);
        const int64_t lo = std::max(LogHistogram::bucketLower(bucket), h.min());
        const int64_t hi = std::min(LogHistogram::bucketUpper(bucket), h.max());
        FUZZ_CHECK(p >= std::min(lo, hi) && p <= std::max(lo, hi), "p(%g) = %lld, exact %lld in bucket [%lld, %lld]", q,
                   (long long)p, (long long)exact, (long long)lo, (long long)hi);
    }
    FUZZ_CHECK(std::isfinite(h.mean()), "mean is not finite");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    ByteReader in(data, size);
    const std::size_t split = in.byte();
    g_quantiles = {0, 0.5, 0.9, 0.99, 0.999, 0.9999, 1};
    for (int i = 0; i < 3; ++i)
        g_quantiles.push_back(in.get<uint16_t>() / 65535.0);
    std::sort(g_quantiles.begin(), g_quantiles.end());
    std::vector<int64_t> all;
    std::vector<int64_t> first, second;
    LogHistogram a, b, whole;
    while (!in.empty() && all.size() < 4096) {
        const int64_t v = nextValue(in);
        all.push_back(v);
        whole.record(v);
        if (all.size() <= split) {
            first.push_back(v);
            a.record(v);
        } else {
            second.push_back(v);
            b.record(v);
        }
        const uint32_t bucket = LogHistogram::bucketOf(v);
        FUZZ_CHECK(bucket < LogHistogram::kBuckets, "bucket %u of %lld", bucket, (long long)v);
        const int64_t clamped = std::clamp(v, LogHistogram::kMinValueNs, LogHistogram::kMaxValueNs);
        FUZZ_CHECK(LogHistogram::bucketLower(bucket) <= clamped && clamped <= LogHistogram::bucketUpper(bucket),
                   "%lld outside its bucket %u", (long long)v, bucket);
    }
    const uint64_t* storage = whole.storage();
    checkAgainst(a, first);
    checkAgainst(b, second);
    checkAgainst(whole, all);

    LogHistogram merged = a;
    merged.merge(b);
    checkAgainst(merged, all);
    for (uint32_t bucket = 0; bucket < LogHistogram::kBuckets; ++bucket)
        FUZZ_CHECK(merged.countAt(bucket) == whole.countAt(bucket), "merge differs at bucket %u", bucket);
    // The sums are added in another order: allow the rounding of a long double sum of values up to maxAbs.
    double maxAbs = 0;
    for (int64_t v : all)
        maxAbs = std::max(maxAbs, std::fabs(static_cast<double>(v)));
    FUZZ_CHECK(std::fabs(merged.mean() - whole.mean()) <= 1e-12 * (maxAbs + 1), "merged mean %g, whole %g",
               merged.mean(), whole.mean());

    whole.reset();
    checkAgainst(whole, {});
    for (uint32_t bucket = 0; bucket < LogHistogram::kBuckets; ++bucket)
        FUZZ_CHECK(whole.countAt(bucket) == 0, "bucket %u not cleared by reset", bucket);
    FUZZ_CHECK(whole.storage() == storage, "the bucket storage moved");
    return 0;
}

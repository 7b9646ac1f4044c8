// The latency plot layouts (core/report/latency_plot_layout.h) the reports and the dashboard share: round ticks on
// a log latency axis, a histogram axis that gives the distribution's body most of the width at 0.5 µs as at
// 500 µs, and the percentile plot's 1/(1 - p) axis.
#include "latency_plot_samples.h"
#include "report/latency_axis.h"
#include "report/latency_plot_layout.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

using namespace irqscope::core;
using irqscope::test::lognormal200usRun;
using irqscope::test::snapshotBuckets;
using irqscope::test::subMicrosecondRun;

namespace {

std::vector<std::string> tickLabels(const std::vector<AxisTick>& ticks)
{
    std::vector<std::string> out;
    for (const auto& t : ticks)
        out.push_back(t.label);
    return out;
}

// Where the pooled q-quantile of the histograms sits along the layout's axis (0..1).
double quantileFraction(const LatencyHistogramLayout& l, const LogHistogram& h, double q)
{
    return l.fraction(static_cast<double>(h.percentile(q)));
}

} // namespace

TEST(LatencyAxis, TicksAreRoundAndCarryTheirUnitsAtAnySpan)
{
    EXPECT_EQ(latencyTickLabel(500), "500 ns");
    EXPECT_EQ(latencyTickLabel(2'500), "2.5 µs");
    EXPECT_EQ(latencyTickLabel(1'000'000), "1 ms");
    EXPECT_EQ(latencyTickLabel(1.2e9), "1.2 s");
    // Four decades: one tick per decade.
    EXPECT_EQ(tickLabels(logLatencyTicks(300, 3'000'000)),
              (std::vector<std::string>{"1 µs", "10 µs", "100 µs", "1 ms"}));
    // Two decades: 1-2-5.
    EXPECT_EQ(tickLabels(logLatencyTicks(400, 30'000)),
              (std::vector<std::string>{"500 ns", "1 µs", "2 µs", "5 µs", "10 µs", "20 µs"}));
    // Less than a decade: every digit.
    EXPECT_EQ(tickLabels(logLatencyTicks(280, 720)),
              (std::vector<std::string>{"300 ns", "400 ns", "500 ns", "600 ns", "700 ns"}));
    // A factor of 1.3: linear steps.
    EXPECT_EQ(tickLabels(logLatencyTicks(500, 650)),
              (std::vector<std::string>{"500 ns", "550 ns", "600 ns", "650 ns"}));
    // Ten decades: every other decade, at most eight ticks.
    const auto wide = logLatencyTicks(1, 1e10);
    EXPECT_LE(wide.size(), 8u);
    EXPECT_GE(wide.size(), 4u);
    EXPECT_TRUE(logLatencyTicks(0, 100).empty());
}

TEST(LatencyHistogramLayout, ASubMicrosecondRunWithARareTailKeepsItsBodyWide)
{
    const LogHistogram run = subMicrosecondRun();
    const auto buckets = snapshotBuckets(run);
    const LatencyHistogramLayout l = latencyHistogramLayout({&buckets});
    ASSERT_FALSE(l.empty);
    const double p5 = quantileFraction(l, run, 0.05), p95 = quantileFraction(l, run, 0.95);
    EXPECT_GE(p95 - p5, 0.5) << p5 << ".." << p95;
    EXPECT_GT(p95, 0.1);
    // The axis starts below the body's fastest hundredth and runs into the tail; what it leaves out is counted,
    // not lost.
    EXPECT_LE(l.loNs, static_cast<double>(run.percentile(0.01)));
    EXPECT_GT(l.hiNs, static_cast<double>(run.percentile(0.99)));
    uint64_t drawn = 0;
    for (uint64_t c : l.counts[0])
        drawn += c;
    EXPECT_EQ(drawn + l.below + l.above, run.count());
    EXPECT_LE(l.bins(), 120u);
    EXPECT_GE(l.bins(), 40u);
    // Log-spaced bins.
    EXPECT_NEAR(l.edgesNs[1] / l.edgesNs[0], l.edgesNs.back() / l.edgesNs[l.bins() - 1], 1e-9);
}

TEST(LatencyHistogramLayout, ALognormal200usRunKeepsItsBodyWide)
{
    const LogHistogram run = lognormal200usRun();
    const auto buckets = snapshotBuckets(run);
    const LatencyHistogramLayout l = latencyHistogramLayout({&buckets});
    const double p5 = quantileFraction(l, run, 0.05), p95 = quantileFraction(l, run, 0.95);
    EXPECT_GE(p95 - p5, 0.5) << p5 << ".." << p95;
    EXPECT_GT(p95, 0.1);
    // The ticks name the units the data is in.
    const auto labels = tickLabels(l.ticks);
    EXPECT_NE(std::find(labels.begin(), labels.end(), "100 µs"), labels.end());
    EXPECT_NE(std::find(labels.begin(), labels.end(), "1 ms"), labels.end());
}

TEST(LatencyHistogramLayout, ANarrowRunShowsEverySampleAndAFixedLatencyAPeak)
{
    LogHistogram narrow;
    for (int64_t v : {900, 950, 1'000, 1'000, 1'050, 1'200})
        narrow.record(v);
    const auto buckets = snapshotBuckets(narrow);
    const LatencyHistogramLayout l = latencyHistogramLayout({&buckets});
    EXPECT_EQ(l.below + l.above, 0u);
    EXPECT_LT(l.loNs, 900);
    EXPECT_GT(l.hiNs, 1'200);
    // One value only: the axis is the narrowest (a factor of 2), centred on it.
    LogHistogram fixed;
    fixed.record(5'000);
    const auto one = snapshotBuckets(fixed);
    const LatencyHistogramLayout f = latencyHistogramLayout({&one});
    EXPECT_NEAR(std::log10(f.hiNs / f.loNs), 0.3, 1e-9);
    EXPECT_GT(f.fraction(5'000), 0.4);
    EXPECT_LT(f.fraction(5'000), 0.6);
    EXPECT_TRUE(latencyHistogramLayout({}).empty);
}

TEST(LatencyHistogramLayout, KeepsAPreviousAxisThatStillFitsAndRefitsWhenTheDataMoves)
{
    const LogHistogram run = lognormal200usRun(5'000);
    const auto buckets = snapshotBuckets(run);
    const LatencyHistogramLayout first = latencyHistogramLayout({&buckets});
    LogHistogram more = run;
    more.merge(lognormal200usRun(500));
    const auto moreBuckets = snapshotBuckets(more);
    HistogramFit fit;
    fit.previous = &first;
    const LatencyHistogramLayout kept = latencyHistogramLayout({&moreBuckets}, fit);
    EXPECT_EQ(kept.loNs, first.loNs);
    EXPECT_EQ(kept.hiNs, first.hiNs);
    EXPECT_EQ(kept.bins(), first.bins());
    // A run a thousand times faster moves the axis.
    const LogHistogram fast = irqscope::test::plotSamples("lognormal:200ns,1", 5'000);
    const auto fastBuckets = snapshotBuckets(fast);
    const LatencyHistogramLayout moved = latencyHistogramLayout({&fastBuckets}, fit);
    EXPECT_LT(moved.hiNs, first.loNs);
}

TEST(PercentileLayout, NinesOnAOneOverOneMinusPAxisAndLatencyFromMinToMax)
{
    EXPECT_DOUBLE_EQ(percentileX(0), 0);
    EXPECT_NEAR(percentileX(0.9), 1, 1e-12);
    EXPECT_NEAR(percentileX(0.999), 3, 1e-9);
    const LogHistogram run = subMicrosecondRun();
    const auto buckets = snapshotBuckets(run);
    const PercentileLayout l = percentileLayout({&buckets});
    ASSERT_FALSE(l.empty);
    EXPECT_EQ(l.xMax, 5); // 20 000 samples: up to 99.999 %
    EXPECT_EQ(tickLabels(l.xTicks),
              (std::vector<std::string>{"0%", "50%", "90%", "99%", "99.9%", "99.99%", "99.999%"}));
    EXPECT_LE(l.loNs, static_cast<double>(run.min()));
    EXPECT_GE(l.hiNs, static_cast<double>(run.max()));
    // The curve rises with the percentile, and at x = 1 (90 %) it reads the p90.
    const auto& curve = l.curves[0];
    ASSERT_GE(curve.size(), 4u);
    for (std::size_t i = 1; i < curve.size(); ++i) {
        EXPECT_GE(curve[i].first, curve[i - 1].first);
        EXPECT_GE(curve[i].second, curve[i - 1].second);
    }
    double atP90 = 0;
    for (const auto& [x, ns] : curve)
        if (x <= 1)
            atP90 = ns;
    EXPECT_NEAR(atP90, static_cast<double>(run.percentile(0.9)), 0.02 * static_cast<double>(run.percentile(0.9)));
    EXPECT_LE(curve.back().first, l.xMax);
}

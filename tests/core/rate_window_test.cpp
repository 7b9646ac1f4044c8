// RateWindow: rates over (at least) the window, whatever the spacing of its points.
#include "stats/rate_window.h"

#include <gtest/gtest.h>

using irqscope::core::RateWindow;

namespace {
constexpr int64_t kSecond = 1'000'000'000;
}

TEST(RateWindow, AnUpdateJustAfterAPointMeasuresOverTheWindowNotTheGap)
{
    // Points a second apart (JSON Lines publishes once per --interval), 1000 events a second.
    RateWindow<1> w(kSecond);
    for (int64_t s = 0; s <= 3; ++s)
        w.update(s * kSecond, {static_cast<uint64_t>(s * 1000)});
    // A final snapshot 1 ms later, with 30 more samples drained: not 30 000/s.
    const auto rates = w.update(3 * kSecond + 1'000'000, {3030});
    EXPECT_NEAR(rates[0], 1030.0 / 1.001, 0.01);
}

TEST(RateWindow, DensePointsGiveTheLastWindowsRate)
{
    RateWindow<1> w(kSecond);
    // 30 Hz updates: 100 events a second for 2 s, then 1000 a second for 1.2 s.
    uint64_t count = 0;
    int64_t t = 0;
    for (; t < 2 * kSecond; t += kSecond / 30, count += 100 / 30)
        w.update(t, {count});
    double last = 0;
    for (; t < 3'200'000'000; t += kSecond / 30, count += 1000 / 30)
        last = w.update(t, {count})[0];
    EXPECT_NEAR(last, 990, 60); // 33 per 1/30 s, over a span of one window plus at most one spacing
}

TEST(RateWindow, YoungerThanTheWindowItMeasuresFromTheFirstPoint)
{
    RateWindow<1> w(kSecond);
    EXPECT_EQ(w.update(0, {0})[0], 0); // nothing to compare with yet
    EXPECT_NEAR(w.update(kSecond / 2, {500})[0], 1000, 0.01);
}

TEST(RateWindow, ACounterGoingBackwardsRestartsAtZero)
{
    RateWindow<1> w(kSecond);
    w.update(0, {100});
    EXPECT_EQ(w.update(kSecond / 2, {50})[0], 0);
    EXPECT_NEAR(w.update(kSecond, {100})[0], 100, 0.01);
}

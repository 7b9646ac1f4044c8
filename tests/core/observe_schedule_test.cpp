// The sampler's schedule math: deadlines stay at start + k * interval whatever the wake-up lateness (no
// drift), and a sampler more than an interval late skips the missed deadlines instead of bursting.
#include "observe/sampler_schedule.h"

#include <gtest/gtest.h>

using namespace irqscope::core;

TEST(ObserveSchedule, LateWakeupsDoNotDrift)
{
    constexpr int64_t start = 1'000'000'000'000, interval = 100'000'000;
    SamplerSchedule s(start, interval);
    EXPECT_EQ(s.nextDeadline(), start);
    // Each sample finishes 0.1-9.9 ms after its deadline: a relative sleep would drift by the sum of those.
    int64_t lateness = 0;
    for (uint64_t tick = 0; tick < 10'000; ++tick) {
        ASSERT_EQ(s.nextTick(), tick);
        ASSERT_EQ(s.nextDeadline(), start + static_cast<int64_t>(tick) * interval);
        lateness = 100'000 + static_cast<int64_t>((tick * 7919) % 98) * 100'000;
        const int64_t next = s.advance(s.nextDeadline() + lateness);
        ASSERT_EQ(next, start + static_cast<int64_t>(tick + 1) * interval);
    }
    EXPECT_EQ(s.skipped(), 0u);
    EXPECT_EQ(s.nextDeadline(), start + 10'000 * interval); // exactly 1000 s later, not 1000 s + the lateness
}

TEST(ObserveSchedule, FallingBehindSkipsMissedDeadlines)
{
    SamplerSchedule s(0, 10);
    EXPECT_EQ(s.advance(3), 10);  // tick 0 sampled at 3: tick 1 at 10
    EXPECT_EQ(s.advance(10), 20); // tick 1 sampled right at its deadline: on time
    EXPECT_EQ(s.skipped(), 0u);
    EXPECT_EQ(s.advance(57), 60); // tick 2 finished at 57: ticks 3, 4, 5 (30, 40, 50) are skipped
    EXPECT_EQ(s.skipped(), 3u);
    EXPECT_EQ(s.nextTick(), 6u);
    EXPECT_EQ(s.advance(60), 70); // back on the grid, still multiples of the interval
    EXPECT_EQ(s.skipped(), 3u);
    EXPECT_EQ(s.advance(80), 90); // tick 7 finished at 80, the deadline of tick 8: tick 8 is skipped
    EXPECT_EQ(s.skipped(), 4u);
}

TEST(ObserveSchedule, NonPositiveIntervalIsClamped)
{
    SamplerSchedule s(5, 0);
    EXPECT_EQ(s.intervalNs(), 1);
    EXPECT_EQ(s.advance(5), 6);
}

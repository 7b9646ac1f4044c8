// TriggerSchedule driven by a fake clock: its books say, per vector, how many firings the schedule owed
// (requested: every due time up to close(), less those of the last round before it not taken yet) and how many it
// fell behind on, so that requested == taken + behind exactly, also when the clock jumps past many rounds (a
// starved trigger thread).
#include "engine/trigger_plan.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

using namespace irqscope::core;

namespace {

constexpr uint32_t kScheduleVectors = 4;
constexpr double kScheduleRateHz = 1000; // per vector: one firing every 250 µs of any vector
constexpr int64_t kSchedulePeriodNs = 250'000;
constexpr int64_t kScheduleRoundNs = kSchedulePeriodNs * kScheduleVectors;

// What the schedule owes `position` when closed at `endNs` with `nextDueNs` its next due time (every earlier one
// taken or skipped): a due time at least a round before the end is owed whether taken or not; a younger one only
// if it was taken (the plan ended before it was late).
uint64_t owedAtClose(uint32_t position, int64_t endNs, int64_t nextDueNs)
{
    uint64_t n = 0;
    for (int64_t j = 0; kSchedulePeriodNs * (j + 1) <= endNs; ++j) {
        const int64_t due = kSchedulePeriodNs * (j + 1);
        const bool owed = due <= endNs - kScheduleRoundNs || due < nextDueNs;
        if (owed && static_cast<uint32_t>(j % kScheduleVectors) == position)
            ++n;
    }
    return n;
}

struct ScheduleRun
{
    std::array<uint32_t, kScheduleVectors> slots{5, 2, 7, 0};
    std::array<VectorCounters, 8> counters;
    std::array<uint64_t, kScheduleVectors> taken{};
    TriggerSchedule schedule;

    ScheduleRun() { schedule.reset(0, kScheduleVectors, kScheduleRateHz, slots.data(), counters.data()); }

    // What the core thread's fireDue() does at `nowNs`: takes what is due, at most one round.
    void tick(int64_t nowNs)
    {
        for (uint32_t fired = 0; schedule.nextDueNs() <= nowNs && fired < kScheduleVectors; ++fired) {
            const uint32_t position = schedule.take(nowNs);
            ++taken[position];
            // The engine then fires it: triggered (read() derives requested from triggered + skipped + behind).
            VectorCounters::bump(counters[slots[position]].triggered);
        }
    }

    CountersCopy of(uint32_t position) const { return counters[slots[position]].read(); }
};

TEST(TriggerSchedule, OnTimeItOwesWhatItFiredAndAPlanEndingJustAfterADueTimeIsNoShortfall)
{
    ScheduleRun run;
    for (int64_t t = 0; t <= 100 * 4 * kSchedulePeriodNs; t += kSchedulePeriodNs)
        run.tick(t);
    // Positions 0 and 1 of round 101 are due and not taken yet when the plan ends (a stop, a re-arm or a rate
    // change seen by the firing thread a little after their due times): the plan ended before they were late, so
    // they are not owed. Counting them behind showed a shortfall of 1 on every healthy run.
    const int64_t end = 100 * 4 * kSchedulePeriodNs + 600'000;
    const int64_t nextDue = run.schedule.nextDueNs();
    run.schedule.close(end);
    EXPECT_FALSE(run.schedule.active());
    EXPECT_EQ(run.schedule.overruns(), 0u);
    for (uint32_t p = 0; p < kScheduleVectors; ++p) {
        const CountersCopy c = run.of(p);
        EXPECT_EQ(run.taken[p], 100u) << "position " << p;
        EXPECT_EQ(c.behind, 0u) << "position " << p;
        EXPECT_EQ(c.requested, run.taken[p]) << "position " << p;
        EXPECT_EQ(c.requested, owedAtClose(p, end, nextDue)) << "position " << p;
    }
    run.schedule.close(end + 10'000'000); // closed: nothing more is owed
    EXPECT_EQ(run.of(0).requested, 100u);
}

TEST(TriggerSchedule, APlanEndingLongAfterItsLastFiringOwesWhatWasMoreThanARoundLate)
{
    ScheduleRun run;
    for (int64_t t = 0; t <= 10 * 4 * kSchedulePeriodNs; t += kSchedulePeriodNs)
        run.tick(t); // 40 firings: the next due time is at 41 periods
    // The firing thread was off its CPU for 5.1 ms and saw the plan end when it came back: the due times more
    // than a round old are behind, those of the last round are not owed.
    const int64_t end = 10 * 4 * kSchedulePeriodNs + 5'100'000;
    const int64_t nextDue = run.schedule.nextDueNs();
    run.schedule.close(end);
    uint64_t behind = 0;
    for (uint32_t p = 0; p < kScheduleVectors; ++p) {
        const CountersCopy c = run.of(p);
        EXPECT_EQ(c.requested, owedAtClose(p, end, nextDue)) << "position " << p;
        EXPECT_EQ(c.requested, run.taken[p] + c.behind) << "position " << p;
        behind += c.behind;
    }
    // Due times 41..60 periods (up to 10 ms + 5.1 ms - 1 ms = 14.1 ms = 56.4 periods): 41..56, 16 of them.
    EXPECT_EQ(behind, 16u);
}

TEST(TriggerSchedule, AStarvedClockSkipsWholeRoundsAndCountsThemBehindForEveryVector)
{
    ScheduleRun run;
    int64_t t = 0;
    for (; t <= 10 * 4 * kSchedulePeriodNs; t += 100'000)
        run.tick(t);
    t += 50'300'000; // the thread was off its CPU for 50.3 ms: about 50 rounds late
    for (int64_t stop = t + 5'000'000; t <= stop; t += 100'000)
        run.tick(t);
    const int64_t end = t + 130'000;
    const int64_t nextDue = run.schedule.nextDueNs();
    run.schedule.close(end);
    EXPECT_GE(run.schedule.overruns(), 49u);
    uint64_t behind0 = run.of(0).behind;
    EXPECT_GE(behind0, 49u);
    for (uint32_t p = 0; p < kScheduleVectors; ++p) {
        const CountersCopy c = run.of(p);
        EXPECT_EQ(c.requested, owedAtClose(p, end, nextDue)) << "position " << p;
        EXPECT_EQ(c.requested, run.taken[p] + c.behind) << "position " << p;
        // Whole rounds skipped: the vectors' shortfalls differ by at most the round in progress at close().
        EXPECT_LE(c.behind > behind0 ? c.behind - behind0 : behind0 - c.behind, 1u) << "position " << p;
    }
}

TEST(TriggerSchedule, ResettingSettlesNothingAndAFreshPlanStartsFromItsOwnTime)
{
    ScheduleRun run;
    run.tick(kSchedulePeriodNs);               // position 0 taken
    run.schedule.close(3 * kSchedulePeriodNs); // positions 1 and 2 due, not taken, less than a round late
    EXPECT_EQ(run.of(1).behind, 0u);
    EXPECT_EQ(run.of(2).behind, 0u);
    EXPECT_EQ(run.of(1).requested, 0u);
    EXPECT_EQ(run.of(3).requested, 0u);
    // A new plan with only the vector at slot 7: one firing per ms, a round of 1 ms. Due at 11 and 12 ms, closed
    // at 12.5 ms without a firing: the one at 11 ms was more than a round late (behind), the one at 12 ms not.
    const std::array<uint32_t, 1> one{7};
    run.schedule.reset(10'000'000, 1, kScheduleRateHz, one.data(), run.counters.data());
    run.schedule.close(12'500'000);
    EXPECT_EQ(run.counters[7].read().requested, 1u);
    EXPECT_EQ(run.counters[7].read().behind, 1u);
}

} // namespace

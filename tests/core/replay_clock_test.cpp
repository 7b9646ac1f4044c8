// A replay measures rates and elapsed time on the recording's clock (StatsSource::nowNs): samples pushed as fast
// as they can go still give the recorded rate, and a finished replay ends on the recording's final snapshot with
// the latencies recomputed from its samples.
#include "record/replay_final.h"
#include "record/replay_source.h"
#include "stats/aggregator.h"
#include "wait_until.h"

#include <gtest/gtest.h>

using namespace irqscope::core;
using irqscope::test::waitUntil;

namespace {

constexpr int64_t kOrigin = 5'000'000'000;
constexpr int64_t kPeriodNs = 1'000'000; // 1 kHz

Recording oneVectorRecording(double recordedSeconds)
{
    Recording rec;
    rec.meta.deviceId = "sim";
    rec.meta.slotCounts = {0, 0, 1, 0, 0}; // msix:0 -> slot 0
    rec.meta.originNs = kOrigin;
    rec.final.deviceId = "sim";
    rec.final.elapsedSec = recordedSeconds;
    rec.final.monotonicNs = kOrigin + static_cast<int64_t>(recordedSeconds * 1e9);
    rec.final.engine.startedNs = kOrigin;
    auto& v = rec.final.vectors.emplace_back();
    v.slot = 0;
    v.id = VectorId{IrqIndex::Msix, 0};
    v.name = "msix:0";
    const auto n = static_cast<uint64_t>(recordedSeconds * 1000);
    v.counters.triggered = n;
    v.counters.completed = n;
    v.completionRateHz = 997.5; // what the live run's last rate window said
    v.triggerRateHz = 998.5;
    v.lastError = "recorded";
    return rec;
}

Sample completionAt(int64_t i)
{
    Sample s;
    s.slot = 0;
    s.kind = SampleKind::Completion;
    s.value = 1;
    s.triggerNs = kOrigin + i * kPeriodNs;
    s.completionNs = s.triggerNs + 20'000 + (i % 7) * 1'000;
    s.seq = static_cast<uint64_t>(i);
    return s;
}

std::shared_ptr<const Snapshot> startedAggregator(Aggregator& aggregator)
{
    aggregator.start();
    waitUntil([&] { return aggregator.latest() != nullptr; });
    return aggregator.latest();
}

// Waits for a published snapshot that counted `triggered` triggers of the vector.
bool publishedWith(const Aggregator& aggregator, uint64_t triggered)
{
    return waitUntil([&] {
        const auto snap = aggregator.latest();
        return snap && !snap->vectors.empty() && snap->vectors[0].counters.triggered == triggered;
    });
}

// Pushes completions [from, to) at once, as a replay at full speed does.
::testing::AssertionResult pushCompletions(ReplaySource& source, int64_t from, int64_t to)
{
    for (int64_t i = from; i < to; ++i)
        if (!source.push(completionAt(i)))
            return ::testing::AssertionFailure() << "the ring refused completion " << i;
    return ::testing::AssertionSuccess();
}

// A recording of `seconds` replayed into an aggregator that has published its first snapshot.
struct Replay
{
    explicit Replay(double seconds)
        : rec(oneVectorRecording(seconds))
    {}
    Recording rec;
    ReplaySource source{rec};
    Aggregator aggregator{source};
};

} // namespace

TEST(ReplayClock, RatesAreTheRecordedOnesWhateverTheReplaySpeed)
{
    Replay replay(3);
    auto& [rec, source, aggregator] = replay;
    ASSERT_NE(startedAggregator(aggregator), nullptr);
    // Two recorded seconds pushed at once (replay speed 0): a few milliseconds of wall time, with one snapshot
    // published in between (the aggregator publishes at 30 Hz of wall time; a vector's rate starts there).
    ASSERT_TRUE(pushCompletions(source, 0, 1000));
    ASSERT_TRUE(publishedWith(aggregator, 1000));
    ASSERT_TRUE(pushCompletions(source, 1000, 2000));
    const auto snap = aggregator.finalSnapshot();
    ASSERT_EQ(snap->vectors.size(), 1u);
    EXPECT_NEAR(snap->vectors[0].completionRateHz, 1000, 20);
    EXPECT_NEAR(snap->vectors[0].triggerRateHz, 1000, 20);
    EXPECT_NEAR(snap->elapsedSec, 2.0, 0.01);
}

TEST(ReplayClock, TheClockMovesOnBetweenSamplesSoRatesFall)
{
    Replay replay(3);
    auto& [rec, source, aggregator] = replay;
    ASSERT_NE(startedAggregator(aggregator), nullptr);
    ASSERT_TRUE(pushCompletions(source, 0, 1000));
    ASSERT_TRUE(publishedWith(aggregator, 1000));
    // The player reached 2.5 recorded seconds without another sample: the last second saw none.
    source.advanceClock(kOrigin + 2'500'000'000);
    const auto snap = aggregator.finalSnapshot();
    ASSERT_EQ(snap->vectors.size(), 1u);
    EXPECT_EQ(snap->vectors[0].completionRateHz, 0);
    EXPECT_NEAR(snap->elapsedSec, 2.5, 0.01);
}

TEST(ReplayClock, NeverRunsBackwards)
{
    const Recording rec = oneVectorRecording(1);
    ReplaySource source(rec);
    EXPECT_EQ(source.nowNs(), kOrigin);
    source.advanceClock(kOrigin + 10);
    source.advanceClock(kOrigin + 5);
    EXPECT_EQ(source.nowNs(), kOrigin + 10);
    source.finish();
    EXPECT_EQ(source.nowNs(), rec.final.monotonicNs);
}

TEST(ReplayFinal, EndsOnTheRecordedSnapshotWithTheReplayedLatencies)
{
    Replay replay(3);
    auto& [rec, source, aggregator] = replay;
    ASSERT_NE(startedAggregator(aggregator), nullptr);
    ASSERT_TRUE(pushCompletions(source, 0, 3000));
    source.finish();
    const auto replayed = aggregator.finalSnapshot();
    const Snapshot final = replayFinalSnapshot(rec, *replayed);
    ASSERT_EQ(final.vectors.size(), 1u);
    const auto& v = final.vectors[0];
    const auto& recorded = rec.final.vectors[0];
    EXPECT_EQ(v.completionRateHz, recorded.completionRateHz);
    EXPECT_EQ(v.triggerRateHz, recorded.triggerRateHz);
    EXPECT_EQ(v.lastError, recorded.lastError);
    EXPECT_EQ(v.counters.triggered, recorded.counters.triggered);
    EXPECT_EQ(final.elapsedSec, rec.final.elapsedSec);
    EXPECT_FALSE(final.engine.running);
    // Latencies: from the samples (20-26 us), not the FINAL section (which has none).
    EXPECT_EQ(v.latency.count, 3000u);
    EXPECT_EQ(v.latency.minNs, 20'000);
    EXPECT_EQ(v.latency.maxNs, 26'000);
    EXPECT_FALSE(v.histogram.empty());
}

TEST(ReplayFinal, VectorsWithSamplesMissingFromAnEmptyFinalStateAreKept)
{
    Recording rec = oneVectorRecording(1);
    rec.final.vectors.clear(); // a threshold snapshot written before the first published state
    ReplaySource source(rec);
    Aggregator aggregator(source);
    ASSERT_TRUE(pushCompletions(source, 0, 10));
    source.finish();
    const Snapshot final = replayFinalSnapshot(rec, *aggregator.finalSnapshot());
    ASSERT_EQ(final.vectors.size(), 1u);
    EXPECT_EQ(final.vectors[0].latency.count, 10u);
}

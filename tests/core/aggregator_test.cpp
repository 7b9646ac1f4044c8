// Aggregator against a fake StatsSource: exact counters, percentiles of the fed latencies, rates, ring drops,
// reasons and timelines, histogram resets, and a final snapshot with everything pushed before stop. The running
// cases race a producer thread and readers against the aggregator thread (a threaded suite: TSan runs it).
#include "base/monotonic_clock.h"
#include "stats/aggregator.h"

#include "exact_quantile.h"
#include "wait_until.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <memory>
#include <random>
#include <thread>
#include <vector>

using namespace irqscope::core;
using namespace std::chrono_literals;

using irqscope::test::exactQuantile;
using irqscope::test::kGenerousTimeout;

namespace {

constexpr uint32_t kMsixVectors = 16;

VectorSlots fakeSlots()
{
    std::array<uint32_t, kNumPciIrqIndexes> counts{};
    counts[static_cast<uint32_t>(IrqIndex::Intx)] = 1;
    counts[static_cast<uint32_t>(IrqIndex::Msix)] = kMsixVectors;
    return VectorSlots(counts);
}

// Plays the core thread: bumps counters (single writer) and pushes samples, like the engine does.
class FakeSource final : public StatsSource
{
public:
    explicit FakeSource(std::size_t ringCapacity = 1 << 14)
        : m_slots(fakeSlots())
        , m_counters(std::make_unique<VectorCounters[]>(m_slots.size()))
        , m_ring(ringCapacity)
        , m_startedNs(monotonicNs())
    {}

    const VectorSlots& slots() const override { return m_slots; }
    const VectorCounters& counters(uint32_t slot) const override { return m_counters[slot]; }
    SpscRing<Sample>& samples() override { return m_ring; }
    EngineStatus status() const override
    {
        EngineStatus s;
        s.running = true;
        s.startedNs = m_startedNs;
        s.samplesPushed = m_pushed.load(std::memory_order_relaxed);
        return s; // ringDrops left 0: the aggregator reads the ring's own count
    }
    std::string deviceId() const override { return "fake:0000:00:00.0"; }
    // The clock rates and elapsed time are measured in: CLOCK_MONOTONIC, unless the test drives its own
    // (startFakeClock), which then moves only when the test moves it.
    int64_t nowNs() const override
    {
        const int64_t fake = m_fakeNowNs.load(std::memory_order_acquire);
        return fake >= 0 ? fake : monotonicNs();
    }
    void startFakeClock() { m_fakeNowNs.store(m_startedNs, std::memory_order_release); }
    void advanceFakeClock(int64_t ns) { m_fakeNowNs.fetch_add(ns, std::memory_order_acq_rel); }
    int64_t startedNs() const { return m_startedNs; }

    VectorCounters& mutableCounters(uint32_t slot) { return m_counters[slot]; }
    uint32_t msix(uint32_t sub) const { return m_slots.slot({IrqIndex::Msix, sub}); }
    uint32_t intx() const { return m_slots.slot({IrqIndex::Intx, 0}); }

    // Producer side. `wait` retries while the ring is full (no drops); otherwise a full ring drops the sample.
    bool push(const Sample& s, bool wait)
    {
        // A waiting producer waits for room first: every refused tryPush counts as a ring drop.
        while (wait && m_ring.size() >= m_ring.capacity())
            std::this_thread::yield();
        if (!m_ring.tryPush(s))
            return false;
        m_pushed.fetch_add(1, std::memory_order_relaxed);
        return true;
    }
    // A trigger that completed with `latencyNs`: counters first, then the sample (the engine's order).
    bool complete(uint32_t slot, int64_t latencyNs, bool wait = true)
    {
        VectorCounters& c = m_counters[slot];
        VectorCounters::bump(c.triggered);
        VectorCounters::bump(c.completed);
        Sample s;
        s.slot = slot;
        s.kind = SampleKind::Completion;
        s.value = 1;
        s.completionNs = monotonicNs();
        s.triggerNs = s.completionNs - latencyNs;
        s.seq = ++m_seq;
        return push(s, wait);
    }
    void event(uint32_t slot, EventCode code, int64_t timeNs, int error = 0)
    {
        Sample s;
        s.slot = slot;
        s.kind = SampleKind::Event;
        s.value = static_cast<uint64_t>(code);
        s.completionNs = timeNs;
        s.seq = static_cast<uint64_t>(error);
        push(s, true);
    }
    void setState(uint32_t slot, uint32_t state) { m_counters[slot].state.store(state, std::memory_order_release); }
    // An instrument-floor sample (engine/instrument_floor.h): no counter moves, its slot field is 0.
    void floor(int64_t latencyNs)
    {
        Sample s;
        s.kind = SampleKind::Floor;
        s.value = 1;
        s.completionNs = monotonicNs();
        s.triggerNs = s.completionNs - latencyNs;
        s.seq = ++m_floorSeq;
        push(s, true);
    }

private:
    VectorSlots m_slots;
    std::unique_ptr<VectorCounters[]> m_counters;
    SpscRing<Sample> m_ring;
    int64_t m_startedNs;
    std::atomic<int64_t> m_fakeNowNs{-1};
    std::atomic<uint64_t> m_pushed{0};
    uint64_t m_seq = 0;
    uint64_t m_floorSeq = 0;
};

AggregatorConfig fastConfig()
{
    AggregatorConfig c;
    c.publishInterval = 5ms;
    c.drainInterval = 1ms;
    c.rateWindow = 200ms;
    return c;
}

const VectorSnapshot* findSlot(const Snapshot& s, uint32_t slot)
{
    for (const auto& v : s.vectors)
        if (v.slot == slot)
            return &v;
    return nullptr;
}

void expectWithinOnePercent(int64_t got, int64_t want, const char* what)
{
    EXPECT_NEAR(static_cast<double>(got), static_cast<double>(want), std::max(0.01 * static_cast<double>(want), 0.5))
        << what;
}

std::shared_ptr<const Snapshot> waitGeneration(const Aggregator& a, uint64_t generation)
{
    return a.exchange().waitNewer(generation - 1, kGenerousTimeout);
}

// Waits for a published snapshot whose elapsed time (on the source's clock) is at least `seconds`.
std::shared_ptr<const Snapshot> waitElapsed(const Aggregator& a, double seconds)
{
    auto s = a.latest();
    while (!s || s->elapsedSec < seconds) {
        s = a.exchange().waitNewer(s ? s->generation : 0, kGenerousTimeout);
        if (!s)
            return nullptr;
    }
    return s;
}

} // namespace

TEST(Aggregator, IdleVectorsAreLeftOutAndArmedOnesShown)
{
    FakeSource src;
    src.setState(src.msix(3), vstate::kArmed);
    Aggregator agg(src, fastConfig());
    const auto s = agg.finalSnapshot();
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->generation, 1u);
    EXPECT_EQ(s->deviceId, "fake:0000:00:00.0");
    ASSERT_EQ(s->vectors.size(), 1u);
    const auto& v = s->vectors[0];
    EXPECT_EQ(v.slot, src.msix(3));
    EXPECT_EQ(v.name, "msix:3");
    EXPECT_EQ(v.latency.count, 0u);
    EXPECT_TRUE(v.histogram.empty());
    EXPECT_TRUE(v.lastError.empty());
    EXPECT_EQ(agg.latest(), s);
}

TEST(Aggregator, CountsAndPercentilesMatchUnderConcurrency)
{
    FakeSource src;
    Aggregator agg(src, fastConfig());
    agg.start();

    constexpr int kPerVector = 20'000;
    constexpr uint32_t kVectors = 4;
    std::vector<std::vector<int64_t>> fed(kVectors);
    std::atomic<bool> producing{true};
    std::thread producer([&] {
        std::mt19937_64 rng(11);
        std::lognormal_distribution<double> dist(std::log(15'000.0), 0.8);
        for (int i = 0; i < kPerVector; ++i) {
            for (uint32_t v = 0; v < kVectors; ++v) {
                const int64_t latency = std::max<int64_t>(1, static_cast<int64_t>(dist(rng)));
                fed[v].push_back(latency);
                src.complete(src.msix(v), latency);
            }
        }
        // Losses the counters see but no latency does: a miss and a non-positive latency.
        VectorCounters::bump(src.mutableCounters(src.msix(0)).triggered);
        VectorCounters::bump(src.mutableCounters(src.msix(0)).missed);
        src.complete(src.msix(1), 0);
        producing.store(false, std::memory_order_release);
    });
    // Readers race the aggregator thread while it publishes.
    std::atomic<int> readerFailures{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < 2; ++r) {
        readers.emplace_back([&] {
            uint64_t last = 0;
            while (producing.load(std::memory_order_acquire)) {
                if (auto s = agg.latest()) {
                    if (s->generation < last)
                        readerFailures.fetch_add(1);
                    last = s->generation;
                    for (const auto& v : s->vectors) {
                        uint64_t inBuckets = 0;
                        for (const auto& [lower, n] : v.histogram)
                            inBuckets += n;
                        if (inBuckets != v.latency.count || v.counters.completed < v.latency.count)
                            readerFailures.fetch_add(1);
                    }
                }
                std::this_thread::sleep_for(1ms);
            }
        });
    }
    producer.join();
    for (auto& t : readers)
        t.join();
    EXPECT_EQ(readerFailures.load(), 0);

    const auto s = agg.finalSnapshot();
    EXPECT_FALSE(agg.running());
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->vectors.size(), kVectors);
    EXPECT_EQ(s->engine.ringDrops, 0u);
    for (uint32_t v = 0; v < kVectors; ++v) {
        const VectorSnapshot* out = findSlot(*s, src.msix(v));
        ASSERT_NE(out, nullptr);
        const CountersCopy want = src.counters(src.msix(v)).read();
        EXPECT_EQ(out->counters.triggered, want.triggered);
        EXPECT_EQ(out->counters.completed, want.completed);
        EXPECT_EQ(out->counters.missed, want.missed);
        EXPECT_EQ(out->latency.count, static_cast<uint64_t>(kPerVector)) << "every fed latency, none of the others";
        EXPECT_EQ(out->latency.minNs, *std::min_element(fed[v].begin(), fed[v].end()));
        EXPECT_EQ(out->latency.maxNs, *std::max_element(fed[v].begin(), fed[v].end()));
        double sum = 0;
        for (auto x : fed[v])
            sum += static_cast<double>(x);
        EXPECT_NEAR(out->latency.meanNs, sum / kPerVector, 1e-6);
        expectWithinOnePercent(out->latency.p50Ns, exactQuantile(fed[v], 0.5), "p50");
        expectWithinOnePercent(out->latency.p90Ns, exactQuantile(fed[v], 0.9), "p90");
        expectWithinOnePercent(out->latency.p99Ns, exactQuantile(fed[v], 0.99), "p99");
        expectWithinOnePercent(out->latency.p999Ns, exactQuantile(fed[v], 0.999), "p99.9");
        expectWithinOnePercent(out->latency.p9999Ns, exactQuantile(fed[v], 0.9999), "p99.99");
        uint64_t inBuckets = 0;
        int64_t previous = -1;
        for (const auto& [lower, n] : out->histogram) {
            EXPECT_GT(lower, previous);
            previous = lower;
            inBuckets += n;
        }
        EXPECT_EQ(inBuckets, out->latency.count);
    }
    EXPECT_EQ(findSlot(*s, src.msix(0))->counters.missed, 1u);
    EXPECT_EQ(findSlot(*s, src.msix(1))->counters.completed, kPerVector + 1u);
    EXPECT_EQ(agg.samplesDrained(), kPerVector * kVectors + 1u);
}

TEST(Aggregator, RingDropsAreReportedAndCountersStayExact)
{
    FakeSource src(64);
    Aggregator agg(src, fastConfig());
    int pushed = 0;
    for (int i = 0; i < 100; ++i)
        pushed += src.complete(src.msix(0), 1000 + i, false) ? 1 : 0;
    ASSERT_EQ(pushed, 64);
    const auto s = agg.finalSnapshot();
    EXPECT_EQ(s->engine.ringDrops, 36u);
    const VectorSnapshot* v = findSlot(*s, src.msix(0));
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->counters.completed, 100u) << "counters never drop";
    EXPECT_EQ(v->counters.triggered, 100u);
    EXPECT_EQ(v->latency.count, 64u) << "only the samples that fit the ring carry latencies";
    EXPECT_EQ(v->latency.minNs, 1000);
    EXPECT_EQ(v->latency.maxNs, 1063);
}

TEST(Aggregator, IntervalSummaryCoversOnlySincePreviousSnapshot)
{
    FakeSource src;
    Aggregator agg(src, fastConfig());
    for (int i = 0; i < 100; ++i)
        src.complete(src.msix(2), 2000);
    const auto first = agg.finalSnapshot();
    for (int i = 0; i < 50; ++i)
        src.complete(src.msix(2), 90'000);
    const auto second = agg.finalSnapshot();
    const auto third = agg.finalSnapshot();
    EXPECT_EQ(second->generation, first->generation + 1);
    const VectorSnapshot* a = findSlot(*first, src.msix(2));
    const VectorSnapshot* b = findSlot(*second, src.msix(2));
    const VectorSnapshot* c = findSlot(*third, src.msix(2));
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(a->interval.count, 100u);
    EXPECT_EQ(b->interval.count, 50u);
    EXPECT_EQ(b->interval.minNs, 90'000);
    expectWithinOnePercent(b->interval.p50Ns, 90'000, "interval p50");
    EXPECT_EQ(b->latency.count, 150u);
    expectWithinOnePercent(b->latency.p50Ns, 2000, "total p50");
    EXPECT_EQ(c->interval.count, 0u);
    EXPECT_EQ(c->latency.count, 150u);
}

TEST(Aggregator, ReasonsAndBoundedEventTimeline)
{
    FakeSource src;
    AggregatorConfig config = fastConfig();
    config.eventsPerVector = 4;
    Aggregator agg(src, config);
    const uint32_t x = src.msix(5);
    const uint32_t intx = src.intx();

    src.event(x, EventCode::Armed, 100);
    Sample missed;
    missed.slot = x;
    missed.kind = SampleKind::Missed;
    missed.value = ETIME;
    src.push(missed, true);
    auto s = agg.finalSnapshot();
    EXPECT_EQ(findSlot(*s, x)->lastError, "missed: no completion before the deadline");

    src.event(x, EventCode::Error, 200, EINVAL);
    s = agg.finalSnapshot();
    EXPECT_NE(findSlot(*s, x)->lastError.find("failed: Invalid argument (EINVAL)"), std::string::npos)
        << findSlot(*s, x)->lastError;

    src.event(intx, EventCode::Armed, 300);
    src.event(intx, EventCode::StuckMask, 400);
    missed.slot = intx;
    src.push(missed, true); // a miss after the diagnosis does not hide it
    s = agg.finalSnapshot();
    EXPECT_EQ(findSlot(*s, intx)->lastError, "stuck mask: triggers keep missing after UNMASK");

    // Unsolicited completions: spurious when the core thread counted them while triggering (kSpurious), the
    // device's own otherwise, whatever the vector's state by the time the aggregator reads them: an NVMe
    // controller's admin completions on vector 0 come before triggering starts and are read after it started.
    Sample unsolicited;
    unsolicited.slot = src.msix(6);
    unsolicited.kind = SampleKind::Unsolicited;
    unsolicited.value = 2;
    src.push(unsolicited, true);
    s = agg.finalSnapshot();
    EXPECT_EQ(findSlot(*s, src.msix(6))->lastError, "");
    src.setState(src.msix(6), vstate::kArmed | vstate::kTriggering);
    src.push(unsolicited, true); // the device's own, read once triggering had started: before the fix, "spurious"
    s = agg.finalSnapshot();
    EXPECT_EQ(findSlot(*s, src.msix(6))->lastError, "");
    unsolicited.flags = sampleflag::kSpurious;
    src.push(unsolicited, true);
    s = agg.finalSnapshot();
    EXPECT_EQ(findSlot(*s, src.msix(6))->lastError, "spurious: 2 completions with no outstanding trigger");

    // Re-arming clears the reason.
    src.event(x, EventCode::Armed, 500);
    s = agg.finalSnapshot();
    EXPECT_EQ(findSlot(*s, x)->lastError, "");

    // Timeline: oldest first, the last 4 kept.
    src.event(x, EventCode::Masked, 600);
    src.event(x, EventCode::Unmasked, 700);
    src.event(x, EventCode::Disarmed, 800);
    agg.finalSnapshot();
    const auto events = agg.events(x);
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[0].code, EventCode::Armed);
    EXPECT_EQ(events[0].timeNs, 500);
    EXPECT_EQ(events[1].code, EventCode::Masked);
    EXPECT_EQ(events[2].code, EventCode::Unmasked);
    EXPECT_EQ(events[3].code, EventCode::Disarmed);
    EXPECT_EQ(events[3].timeNs, 800);
    const auto intxEvents = agg.events(intx);
    ASSERT_EQ(intxEvents.size(), 2u);
    EXPECT_EQ(intxEvents[1].code, EventCode::StuckMask);
    EXPECT_TRUE(agg.events(9999).empty());

    // An error event carries its errno into the timeline.
    src.event(x, EventCode::Error, 900, EBUSY);
    agg.finalSnapshot();
    EXPECT_EQ(agg.events(x).back().error, EBUSY);
}

TEST(Aggregator, RatesFollowTheCountersOverTheWindow)
{
    // Rates are measured on the source's clock (StatsSource::nowNs), and here that clock is the test's: each
    // snapshot the aggregator builds moves it on by 10 ms and, while counting, the counters by the 200 triggers
    // and completions 20 kHz gives in 10 ms, right after the snapshot read them. The counters follow the clock
    // exactly, so the rate over any window is exactly 20 kHz however late the machine runs the aggregator's thread
    // (a producer following the real clock lagged it on a loaded machine).
    FakeSource src;
    src.startFakeClock();
    constexpr int64_t kStepNs = 10'000'000;
    constexpr uint64_t kPerStep = 200;
    constexpr double kRateHz = kPerStep * 1e9 / kStepNs;
    const uint32_t slot = src.msix(7);
    std::atomic<bool> counting{true};
    Aggregator agg(src, fastConfig()); // 200 ms window
    agg.setSnapshotDecorator([&](Snapshot&) {
        // On the aggregator's thread, after the snapshot read the counters: the only writer of the counters.
        if (counting.load(std::memory_order_acquire)) {
            VectorCounters& c = src.mutableCounters(slot);
            VectorCounters::bump(c.triggered, kPerStep);
            VectorCounters::bump(c.completed, kPerStep);
        }
        src.advanceFakeClock(kStepNs);
    });
    agg.start();
    const auto running = waitElapsed(agg, 0.6); // three windows of counting
    ASSERT_NE(running, nullptr);
    const VectorSnapshot* v = findSlot(*running, slot);
    ASSERT_NE(v, nullptr);
    EXPECT_NEAR(v->triggerRateHz, kRateHz, 1e-6);
    EXPECT_NEAR(v->completionRateHz, kRateHz, 1e-6);

    // Quiet for two windows (the last count lands at most one step after this): the rates fall to zero.
    counting.store(false, std::memory_order_release);
    const double quietFrom = static_cast<double>(src.nowNs() - src.startedNs()) / 1e9 + kStepNs / 1e9;
    const auto quiet = waitElapsed(agg, quietFrom + 0.45);
    ASSERT_NE(quiet, nullptr);
    ASSERT_NE(findSlot(*quiet, slot), nullptr);
    EXPECT_EQ(findSlot(*quiet, slot)->triggerRateHz, 0.0);
    EXPECT_EQ(findSlot(*quiet, slot)->completionRateHz, 0.0);
    EXPECT_GT(quiet->elapsedSec, 1.0);
    agg.stop();
}

TEST(Aggregator, ResetHistogramsFromAnotherThread)
{
    FakeSource src;
    Aggregator agg(src, fastConfig());
    agg.start();
    const uint32_t slot = src.msix(8);
    for (int i = 0; i < 1000; ++i)
        src.complete(slot, 5000);
    // Wait until the aggregator has seen them all.
    for (auto s = agg.latest(); !s || !findSlot(*s, slot) || findSlot(*s, slot)->latency.count < 1000;
         s = agg.exchange().waitNewer(s ? s->generation : 0, kGenerousTimeout)) {
        ASSERT_TRUE(s || agg.latest() == nullptr);
    }
    std::thread resetter([&] { agg.resetHistograms(); });
    resetter.join();
    const auto after = waitGeneration(agg, agg.exchange().generation() + 2);
    ASSERT_NE(after, nullptr);
    const VectorSnapshot* v = findSlot(*after, slot);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->latency.count, 0u);
    EXPECT_TRUE(v->histogram.empty());
    EXPECT_EQ(v->counters.completed, 1000u) << "counters are not histograms";

    for (int i = 0; i < 10; ++i)
        src.complete(slot, 7000);
    const auto final = agg.finalSnapshot();
    EXPECT_EQ(findSlot(*final, slot)->latency.count, 10u);
    EXPECT_EQ(findSlot(*final, slot)->latency.minNs, 7000);
}

TEST(Aggregator, FinalSnapshotIncludesEverythingPushedBeforeStop)
{
    FakeSource src(1 << 16);
    Aggregator agg(src, fastConfig());
    agg.start();
    constexpr int kSamples = 30'000;
    std::thread producer([&] {
        for (int i = 0; i < kSamples; ++i)
            src.complete(src.msix(static_cast<uint32_t>(i) % kMsixVectors), 1000 + i % 5000);
    });
    producer.join(); // the "engine" has stopped; samples may still sit in the ring
    const auto s = agg.finalSnapshot();
    ASSERT_NE(s, nullptr);
    uint64_t latencies = 0, completed = 0;
    for (const auto& v : s->vectors) {
        latencies += v.latency.count;
        completed += v.counters.completed;
    }
    EXPECT_EQ(latencies, static_cast<uint64_t>(kSamples));
    EXPECT_EQ(completed, static_cast<uint64_t>(kSamples));
    EXPECT_EQ(agg.latest(), s);
    EXPECT_GT(s->generation, 0u);
    EXPECT_GE(s->generation, agg.exchange().generation());
}

TEST(Aggregator, StartStopAreIdempotentAndStopIsPrompt)
{
    FakeSource src;
    AggregatorConfig config;
    config.publishInterval = 10min; // stop must not wait for the next publication
    Aggregator agg(src, config);
    agg.start();
    agg.start();
    EXPECT_TRUE(agg.running());
    ASSERT_NE(agg.exchange().waitNewer(0, kGenerousTimeout), nullptr) << "a first snapshot right after start";
    const auto t0 = std::chrono::steady_clock::now();
    agg.stop();
    agg.stop();
    // Judged against the 10 minutes a stop that waited for the next publication would take, not against how
    // fast this machine joins a thread.
    EXPECT_LT(std::chrono::steady_clock::now() - t0, kGenerousTimeout);
    EXPECT_FALSE(agg.running());
    agg.start();
    EXPECT_TRUE(agg.running());
} // the destructor joins

TEST(Aggregator, InstrumentFloorIsSummarisedApartFromTheVectors)
{
    FakeSource src;
    Aggregator agg(src, fastConfig());
    EXPECT_EQ(agg.finalSnapshot()->floor.count, 0u) << "no floor measured: nothing to show, not a 0";
    std::vector<int64_t> floorNs;
    for (int64_t i = 1; i <= 200; ++i) {
        floorNs.push_back(i * 500);
        src.floor(i * 500);
    }
    src.complete(src.msix(3), 5'000'000);
    const auto s = agg.finalSnapshot();
    EXPECT_EQ(s->floor.count, 200u);
    EXPECT_NEAR(static_cast<double>(s->floor.p50Ns), static_cast<double>(exactQuantile(floorNs, 0.5)),
                0.01 * static_cast<double>(exactQuantile(floorNs, 0.5)));
    EXPECT_NEAR(static_cast<double>(s->floor.p99Ns), static_cast<double>(exactQuantile(floorNs, 0.99)),
                0.01 * static_cast<double>(exactQuantile(floorNs, 0.99)));
    EXPECT_NEAR(static_cast<double>(s->floor.maxNs), 100'000.0, 1'000.0);
    uint64_t inBuckets = 0;
    for (const auto& [lower, n] : s->floorHistogram)
        inBuckets += n;
    EXPECT_EQ(inBuckets, 200u);
    // Slot 0 (the floor samples' slot field) is no vector of the snapshot; the one vector is untouched by the floor.
    ASSERT_EQ(s->vectors.size(), 1u);
    EXPECT_EQ(s->vectors[0].slot, src.msix(3));
    EXPECT_EQ(s->vectors[0].latency.count, 1u);
    EXPECT_EQ(s->vectors[0].latency.minNs, s->vectors[0].latency.maxNs);
    // A histogram reset restarts the floor too.
    agg.resetHistograms();
    const auto afterReset = agg.finalSnapshot();
    EXPECT_EQ(afterReset->floor.count, 0u);
    EXPECT_TRUE(afterReset->floorHistogram.empty());
}

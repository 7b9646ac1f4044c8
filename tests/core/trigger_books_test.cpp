// TriggerBooks driven directly: no io_uring, no device, no thread. Each trigger leaves its vector's outstanding
// window exactly once (completed, coalesced or missed), leftovers of an eventfd read are unsolicited, and the
// books balance: triggered = completed + coalesced + missed + in flight.
#include "engine/trigger_books.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <vector>

using namespace irqscope::core;

namespace {

constexpr int64_t kBooksDeadlineNs = 1'000;

std::vector<Sample> drainBookSamples(SpscRing<Sample>& ring)
{
    std::vector<Sample> out;
    Sample s;
    while (ring.tryPop(s))
        out.push_back(s);
    return out;
}

std::vector<Sample> booksSamplesOfKind(const std::vector<Sample>& all, SampleKind kind)
{
    std::vector<Sample> out;
    for (const Sample& s : all)
        if (s.kind == kind)
            out.push_back(s);
    return out;
}

bool booksSawEvent(const std::vector<Sample>& all, EventCode code)
{
    for (const Sample& s : all)
        if (s.kind == SampleKind::Event && s.value == static_cast<uint64_t>(code))
            return true;
    return false;
}

void expectSlotBalances(const TriggerBooks& books, uint32_t slot)
{
    const CountersCopy c = books.counters(slot).read();
    EXPECT_EQ(c.triggered, c.completed + c.coalesced + c.missed + books.inFlight(slot)) << "slot " << slot;
}

struct BooksUnderTest
{
    SpscRing<Sample> ring{4096};
    TriggerBooks books{4, ring};
};

} // namespace

TEST(TriggerBooks, ACompletionResolvesTheOldestTrigger)
{
    BooksUnderTest t;
    t.books.recordTrigger(0, 100, false);
    t.books.recordTrigger(0, 200, false);
    EXPECT_EQ(t.books.resolveCompletion(0, 1, 350), 0u);
    const CountersCopy c = t.books.counters(0).read();
    EXPECT_EQ(c.triggered, 2u);
    EXPECT_EQ(c.completed, 1u);
    EXPECT_EQ(c.coalesced, 0u);
    EXPECT_EQ(c.lastCompletionNs, 350);
    EXPECT_EQ(t.books.inFlight(0), 1u);
    EXPECT_EQ(t.books.outstanding(), 1u);
    const auto completions = booksSamplesOfKind(drainBookSamples(t.ring), SampleKind::Completion);
    ASSERT_EQ(completions.size(), 1u);
    EXPECT_EQ(completions[0].triggerNs, 100);
    EXPECT_EQ(completions[0].completionNs, 350);
    EXPECT_EQ(completions[0].seq, 0u);
    expectSlotBalances(t.books, 0);
}

TEST(TriggerBooks, ACountAboveOneCoalescesTheNextTriggers)
{
    BooksUnderTest t;
    for (int64_t ns : {100, 200, 300})
        t.books.recordTrigger(1, ns, false);
    EXPECT_EQ(t.books.resolveCompletion(1, 2, 400), 0u);
    const CountersCopy c = t.books.counters(1).read();
    EXPECT_EQ(c.completed, 1u);
    EXPECT_EQ(c.coalesced, 1u);
    EXPECT_EQ(t.books.inFlight(1), 1u);
    // Only the completed trigger has a known latency: one sample, carrying the read's count.
    const auto completions = booksSamplesOfKind(drainBookSamples(t.ring), SampleKind::Completion);
    ASSERT_EQ(completions.size(), 1u);
    EXPECT_EQ(completions[0].value, 2u);
    EXPECT_EQ(completions[0].triggerNs, 100);
    expectSlotBalances(t.books, 1);
}

TEST(TriggerBooks, LeftoversAreSpuriousWhileIrqscopeTriggers)
{
    BooksUnderTest t;
    t.books.setTriggering(0, true);
    t.books.recordTrigger(0, 100, false);
    EXPECT_EQ(t.books.resolveCompletion(0, 3, 200), 2u);
    const CountersCopy c = t.books.counters(0).read();
    EXPECT_EQ(c.completed, 1u);
    EXPECT_EQ(c.spurious, 2u);
    EXPECT_EQ(c.deviceOriginated, 0u);
    const auto unsolicited = booksSamplesOfKind(drainBookSamples(t.ring), SampleKind::Unsolicited);
    ASSERT_EQ(unsolicited.size(), 1u);
    EXPECT_EQ(unsolicited[0].value, 2u);
    EXPECT_TRUE(unsolicited[0].flags & sampleflag::kSpurious);
    expectSlotBalances(t.books, 0);
}

TEST(TriggerBooks, LeftoversAreTheDevicesOwnWhenIrqscopeDoesNotTrigger)
{
    BooksUnderTest t;
    EXPECT_EQ(t.books.resolveCompletion(2, 2, 500), 2u);
    const CountersCopy c = t.books.counters(2).read();
    EXPECT_EQ(c.deviceOriginated, 2u);
    EXPECT_EQ(c.spurious, 0u);
    EXPECT_EQ(c.completed, 0u);
    EXPECT_EQ(c.triggered, 0u);
    const auto unsolicited = booksSamplesOfKind(drainBookSamples(t.ring), SampleKind::Unsolicited);
    ASSERT_EQ(unsolicited.size(), 1u);
    EXPECT_FALSE(unsolicited[0].flags & sampleflag::kSpurious) << "the device's own, never reported as spurious";
}

TEST(TriggerBooks, DeadlineScanMarksMissedAndThreeInARowStuck)
{
    BooksUnderTest t;
    t.books.recordTrigger(0, 0, false);
    t.books.recordTrigger(0, 10, false);
    t.books.scanDeadlines(500, kBooksDeadlineNs);
    EXPECT_EQ(t.books.counters(0).read().missed, 0u) << "not past the deadline yet";
    t.books.recordTrigger(0, 20, false);
    t.books.recordTrigger(0, 4'800, false);
    t.books.scanDeadlines(5'000, kBooksDeadlineNs);
    CountersCopy c = t.books.counters(0).read();
    EXPECT_EQ(c.missed, 3u);
    EXPECT_EQ(t.books.inFlight(0), 1u) << "the young trigger waits";
    EXPECT_NE(c.state & vstate::kStuck, 0u);
    const auto samples = drainBookSamples(t.ring);
    const auto missed = booksSamplesOfKind(samples, SampleKind::Missed);
    ASSERT_EQ(missed.size(), 3u);
    for (const Sample& s : missed)
        EXPECT_EQ(s.value, static_cast<uint64_t>(ETIME));
    EXPECT_TRUE(booksSawEvent(samples, EventCode::StuckMask));
    expectSlotBalances(t.books, 0);

    // A completion clears the stuck mark.
    t.books.resolveCompletion(0, 1, 5'100);
    EXPECT_EQ(t.books.counters(0).read().state & vstate::kStuck, 0u);
    expectSlotBalances(t.books, 0);
}

TEST(TriggerBooks, TwoMissesInARowAreNotStuck)
{
    BooksUnderTest t;
    t.books.recordTrigger(0, 0, false);
    t.books.recordTrigger(0, 10, false);
    t.books.scanDeadlines(5'000, kBooksDeadlineNs);
    EXPECT_EQ(t.books.counters(0).read().missed, 2u);
    EXPECT_EQ(t.books.counters(0).read().state & vstate::kStuck, 0u);
    EXPECT_FALSE(booksSawEvent(drainBookSamples(t.ring), EventCode::StuckMask));
}

TEST(TriggerBooks, AMaskedVectorsDeadlinesWaitForTheUnmask)
{
    BooksUnderTest t;
    t.books.setUserMasked(3, true, 0);
    t.books.recordTrigger(3, 100, false);
    EXPECT_NE(t.books.counters(3).read().state & vstate::kPending, 0u) << "triggered while masked: pending";
    t.books.scanDeadlines(1'000'000, kBooksDeadlineNs);
    EXPECT_EQ(t.books.counters(3).read().missed, 0u) << "held by the mask, not missed";
    // Unmasked at 2 000 000: the deadline counts from there, not from the trigger.
    t.books.setUserMasked(3, false, 2'000'000);
    t.books.scanDeadlines(2'000'500, kBooksDeadlineNs);
    EXPECT_EQ(t.books.counters(3).read().missed, 0u);
    t.books.scanDeadlines(2'001'500, kBooksDeadlineNs);
    const CountersCopy c = t.books.counters(3).read();
    EXPECT_EQ(c.missed, 1u);
    EXPECT_EQ(c.state & vstate::kPending, 0u) << "nothing outstanding any more";
    expectSlotBalances(t.books, 3);
}

TEST(TriggerBooks, AFailedTriggerIsMissedWithEcommNotCoalesced)
{
    BooksUnderTest t;
    t.books.recordTrigger(0, 100, true);
    t.books.recordTrigger(0, 200, true);
    // The trigger thread reports the second firing failed: it resolves as missed once it is the oldest.
    t.books.recordFailedThreadTrigger(0, 200, EIO);
    EXPECT_EQ(t.books.inFlight(0), 2u);
    EXPECT_EQ(t.books.resolveCompletion(0, 2, 300), 1u) << "the failed trigger cannot take the second signal";
    const CountersCopy c = t.books.counters(0).read();
    EXPECT_EQ(c.completed, 1u);
    EXPECT_EQ(c.coalesced, 0u);
    EXPECT_EQ(c.missed, 1u);
    EXPECT_EQ(c.deviceOriginated, 1u);
    EXPECT_EQ(c.errors, 1u);
    EXPECT_EQ(c.lastErrno, EIO);
    const auto missed = booksSamplesOfKind(drainBookSamples(t.ring), SampleKind::Missed);
    ASSERT_EQ(missed.size(), 1u);
    EXPECT_EQ(missed[0].value, static_cast<uint64_t>(ECOMM));
    EXPECT_EQ(t.books.threadResolved(0), 2u);
    expectSlotBalances(t.books, 0);
}

TEST(TriggerBooks, AFailedCoreTriggerAtTheHeadResolvesAtOnce)
{
    BooksUnderTest t;
    const uint64_t seq = t.books.recordTrigger(1, 100, false);
    t.books.recordFailedTrigger(1, seq, ENODEV, 100);
    const CountersCopy c = t.books.counters(1).read();
    EXPECT_EQ(c.missed, 1u);
    EXPECT_EQ(c.errors, 1u);
    EXPECT_EQ(t.books.inFlight(1), 0u);
    EXPECT_EQ(t.books.threadResolved(1), 0u) << "the core thread's own firings are not the trigger thread's";
    expectSlotBalances(t.books, 1);
}

TEST(TriggerBooks, DisarmResolvesEverythingOutstandingAsMissed)
{
    BooksUnderTest t;
    for (int64_t ns : {1, 2, 3})
        t.books.recordTrigger(2, ns, false);
    t.books.resolveAllMissed(2, 10, ESHUTDOWN);
    EXPECT_EQ(t.books.counters(2).read().missed, 3u);
    EXPECT_EQ(t.books.outstanding(), 0u);
    for (const Sample& s : booksSamplesOfKind(drainBookSamples(t.ring), SampleKind::Missed))
        EXPECT_EQ(s.value, static_cast<uint64_t>(ESHUTDOWN));
    EXPECT_EQ(t.books.counters(2).read().state & vstate::kStuck, 0u) << "a disarm is not a deadline miss";
}

TEST(TriggerBooks, ResetKeepsTriggersInFlightCountedAsTriggered)
{
    BooksUnderTest t;
    t.books.recordTrigger(0, 1, false);
    t.books.recordTrigger(0, 2, false);
    t.books.resolveCompletion(0, 1, 5);
    t.books.resetCounters();
    const CountersCopy c = t.books.counters(0).read();
    EXPECT_EQ(c.triggered, 1u);
    EXPECT_EQ(c.completed, 0u);
    expectSlotBalances(t.books, 0);
}

TEST(TriggerBooks, BooksBalanceThroughAMixOfEverything)
{
    BooksUnderTest t;
    t.books.setTriggering(0, true);
    t.books.setTriggering(1, true);
    uint64_t lcg = 12345;
    auto next = [&lcg](uint32_t n) {
        lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<uint32_t>((lcg >> 33) % n);
    };
    int64_t now = 0;
    for (int step = 0; step < 5'000; ++step) {
        now += 1 + next(300);
        const uint32_t slot = next(4);
        switch (next(6)) {
        case 0:
        case 1:
            if (t.books.inFlight(slot) < OutstandingWindow::kCapacity)
                t.books.recordTrigger(slot, now, next(2) == 0);
            break;
        case 2:
            if (t.books.inFlight(slot) < OutstandingWindow::kCapacity) {
                const uint64_t seq = t.books.recordTrigger(slot, now, false);
                if (next(4) == 0)
                    t.books.recordFailedTrigger(slot, seq, EIO, now);
            }
            break;
        case 3:
            t.books.resolveCompletion(slot, 1 + next(3), now);
            break;
        case 4:
            t.books.scanDeadlines(now, kBooksDeadlineNs);
            break;
        case 5:
            t.books.setUserMasked(slot, next(2) == 0, now);
            break;
        }
        for (uint32_t s = 0; s < t.books.slots(); ++s)
            expectSlotBalances(t.books, s);
        drainBookSamples(t.ring);
    }
    uint64_t outstanding = 0;
    for (uint32_t s = 0; s < t.books.slots(); ++s)
        outstanding += t.books.inFlight(s);
    EXPECT_EQ(t.books.outstanding(), outstanding);
}

// WakeTimer: the core thread's one armed io_uring timeout. The assertions rest on the kernel's guarantee that an
// absolute timeout never expires before its time, and on guard waits seconds longer than any timer they expect.
#include "base/monotonic_clock.h"
#include "engine/completion_ring.h"
#include "engine/wake_timer.h"

#include <gtest/gtest.h>

#include <cerrno>

using namespace irqscope::core;

namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kGuardNs = 10'000 * kMs; // far longer than any timer below is armed for, far shorter than 60 s

struct TimerCqes
{
    int expired = 0;
    int expiredRes = 0;
    int updates = 0;
    int updateRes = 0;
};

// Waits (at most the guard) until the timer's CQE comes, handing every CQE to `timer`.
TimerCqes waitForExpiry(CompletionRing& ring, WakeTimer& timer)
{
    TimerCqes seen;
    const int64_t giveUp = monotonicNs() + kGuardNs;
    while (seen.expired == 0 && monotonicNs() < giveUp) {
        ring.waitAndSubmit(giveUp - monotonicNs());
        io_uring_cqe* batch[8];
        while (const unsigned n = ring.peekBatch(batch, 8)) {
            for (unsigned i = 0; i < n; ++i) {
                const CqeTag tag = CqeTag::decode(io_uring_cqe_get_data64(batch[i]));
                if (tag.kind == CqeKind::WakeTimer) {
                    ++seen.expired;
                    seen.expiredRes = batch[i]->res;
                    timer.onExpired(tag.generation);
                } else if (tag.kind == CqeKind::WakeTimerUpdate) {
                    ++seen.updates;
                    seen.updateRes = batch[i]->res;
                    if (batch[i]->res < 0)
                        timer.onUpdateFailed(tag.generation);
                }
            }
            ring.advance(n);
        }
    }
    return seen;
}

} // namespace

TEST(WakeTimer, ArmedTimerWakesABlockingWaitNotBeforeItsTime)
{
    CompletionRing ring;
    ASSERT_FALSE(ring.init(64, 1));
    WakeTimer timer;
    const int64_t at = monotonicNs() + 2 * kMs;
    ASSERT_TRUE(timer.wakeBy(ring, at));
    EXPECT_EQ(timer.armedAtNs(), at);
    const TimerCqes seen = waitForExpiry(ring, timer);
    EXPECT_GE(monotonicNs(), at);
    ASSERT_EQ(seen.expired, 1);
    EXPECT_EQ(seen.expiredRes, -ETIME);
    EXPECT_EQ(timer.armedAtNs(), -1);
    EXPECT_EQ(timer.timersArmed(), 1u);
}

TEST(WakeTimer, EarlierDeadlineMovesTheArmedTimerInsteadOfArmingAnother)
{
    CompletionRing ring;
    ASSERT_FALSE(ring.init(64, 1));
    WakeTimer timer;
    ASSERT_TRUE(timer.wakeBy(ring, monotonicNs() + 60'000 * kMs));
    ASSERT_EQ(ring.submit(), 1);
    const int64_t at = monotonicNs() + kMs;
    ASSERT_TRUE(timer.wakeBy(ring, at));
    EXPECT_EQ(timer.armedAtNs(), at);
    // Without the move the only timer would expire in a minute, long after the guard.
    const TimerCqes seen = waitForExpiry(ring, timer);
    ASSERT_EQ(seen.expired, 1);
    EXPECT_EQ(seen.expiredRes, -ETIME);
    EXPECT_EQ(seen.updates, 1);
    EXPECT_EQ(seen.updateRes, 0);
    EXPECT_EQ(timer.timersArmed(), 1u);
    EXPECT_EQ(timer.armedAtNs(), -1);
}

TEST(WakeTimer, LaterDeadlineKeepsTheEarlierTimer)
{
    CompletionRing ring;
    ASSERT_FALSE(ring.init(64, 1));
    WakeTimer timer;
    const int64_t at = monotonicNs() + kMs;
    ASSERT_TRUE(timer.wakeBy(ring, at));
    ASSERT_TRUE(timer.wakeBy(ring, at + 60'000 * kMs));
    EXPECT_EQ(timer.armedAtNs(), at);
    EXPECT_EQ(ring.submit(), 1) << "the later deadline queued nothing";
    const TimerCqes seen = waitForExpiry(ring, timer);
    EXPECT_EQ(seen.expired, 1);
    EXPECT_EQ(seen.updates, 0);
}

TEST(WakeTimer, ExpiryOfAnOlderTimerDoesNotDisarmTheCurrentOne)
{
    WakeTimer timer;
    CompletionRing ring;
    ASSERT_FALSE(ring.init(64, 1));
    const int64_t at = monotonicNs() + 60'000 * kMs;
    ASSERT_TRUE(timer.wakeBy(ring, at)); // generation 1
    timer.onExpired(0);                  // a CQE of a timer armed before it
    EXPECT_EQ(timer.armedAtNs(), at);
    timer.onUpdateFailed(7);
    EXPECT_EQ(timer.armedAtNs(), at);
}

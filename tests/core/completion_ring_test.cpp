// CompletionRing under a burst over many eventfds: on a DEFER_TASKRUN ring the kernel runs at most
// max(20, min_complete) items of completion work per io_uring_enter and flags the rest (IORING_SQ_TASKRUN); one
// wait or poll step must still bring the whole burst's CQEs (docs/benchmarks.md, "The deferred work limit").
#include "engine/completion_ring.h"

#include <gtest/gtest.h>

#include <sys/eventfd.h>
#include <unistd.h>

#include <vector>

using namespace irqscope::core;

namespace {

constexpr uint32_t kBurstFds = 256; // well above the kernel's 20 items per enter

// A ring with one pending eventfd read per fd, all of whose eventfds were then signalled by this thread: the
// reads' completion work sits in the ring's deferred list until the thread enters the kernel.
class RingBurst
{
public:
    RingBurst()
    {
        m_error = m_ring.init(512, kBurstFds);
        if (m_error)
            return;
        m_buffers.resize(kBurstFds, 0);
        for (uint32_t i = 0; i < kBurstFds; ++i) {
            const int fd = eventfd(0, EFD_CLOEXEC); // blocking: io_uring waits through its poll path
            m_fds.push_back(fd);
            if (fd < 0 || m_ring.setFile(i, fd) != 0 ||
                !m_ring.queueRead(i, &m_buffers[i], CqeTag::encode(CqeKind::VectorRead, 1, i))) {
                m_error = "cannot set up eventfd reads";
                return;
            }
        }
        m_ring.submit();
    }
    ~RingBurst()
    {
        for (int fd : m_fds)
            if (fd >= 0)
                close(fd);
    }

    void signalAll()
    {
        const uint64_t one = 1;
        for (int fd : m_fds)
            ASSERT_EQ(write(fd, &one, sizeof one), static_cast<ssize_t>(sizeof one));
    }

    // Harvests every ready CQE; returns how many were eventfd reads of one signal each.
    uint32_t harvestReads()
    {
        io_uring_cqe* batch[64];
        uint32_t reads = 0;
        while (const unsigned n = m_ring.peekBatch(batch, 64)) {
            for (unsigned i = 0; i < n; ++i)
                reads += batch[i]->res == static_cast<int>(sizeof(uint64_t));
            m_ring.advance(n);
        }
        return reads;
    }

    CompletionRing& ring() { return m_ring; }
    const std::optional<std::string>& error() const { return m_error; }

private:
    CompletionRing m_ring;
    std::vector<int> m_fds;
    std::vector<uint64_t> m_buffers;
    std::optional<std::string> m_error;
};

} // namespace

TEST(CompletionRingBurst, OneWaitBringsTheWholeBurst)
{
    RingBurst burst;
    ASSERT_FALSE(burst.error()) << *burst.error();
    if (!burst.ring().deferredTaskRun())
        GTEST_SKIP() << "this kernel has no IORING_SETUP_DEFER_TASKRUN (6.1+): completion work runs as task_work";
    burst.signalAll();
    EXPECT_TRUE(burst.ring().workLeft()) << "the kernel flags deferred work (IORING_SETUP_TASKRUN_FLAG)";
    // Before the fix one wait returned the first 20 only, the next loop turn 20 more, and so on.
    const int ready = burst.ring().waitAndSubmit(-1);
    EXPECT_EQ(ready, static_cast<int>(kBurstFds));
    EXPECT_EQ(burst.harvestReads(), kBurstFds);
    EXPECT_FALSE(burst.ring().workLeft());
}

TEST(CompletionRingBurst, OneBusyPollStepBringsTheWholeBurst)
{
    RingBurst burst;
    ASSERT_FALSE(burst.error()) << *burst.error();
    if (!burst.ring().deferredTaskRun())
        GTEST_SKIP() << "this kernel has no IORING_SETUP_DEFER_TASKRUN (6.1+): completion work runs as task_work";
    burst.signalAll();
    EXPECT_EQ(burst.ring().poll(false), static_cast<int>(kBurstFds));
    EXPECT_EQ(burst.harvestReads(), kBurstFds);
}

TEST(CompletionRingBurst, WaitWithNothingLeftStillTimesOut)
{
    // The drain must not turn an idle wait into a spin: with no work flagged, a timed wait returns 0 on timeout.
    RingBurst burst;
    ASSERT_FALSE(burst.error()) << *burst.error();
    EXPECT_FALSE(burst.ring().workLeft());
    EXPECT_EQ(burst.ring().waitAndSubmit(1'000'000), 0);
    burst.signalAll();
    int ready = 0;
    // However the kernel runs the work (deferred or as task_work), every read completes.
    for (int turn = 0; turn < 100 && ready < static_cast<int>(kBurstFds); ++turn)
        ready = burst.ring().waitAndSubmit(1'000'000);
    EXPECT_EQ(burst.harvestReads(), kBurstFds);
}

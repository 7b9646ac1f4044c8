// SpscRing: order, capacity, drop counting, and a two-thread stress run (also run under TSan: label "threaded").
#include "engine/sample.h"
#include "engine/spsc_ring.h"
#include "wait_until.h"

#include <gtest/gtest.h>

#include <thread>

using irqscope::core::Sample;
using irqscope::core::SpscRing;

TEST(SpscRing, CapacityRoundsUpToAPowerOfTwo)
{
    EXPECT_EQ(SpscRing<int>(1000).capacity(), 1024u);
    EXPECT_EQ(SpscRing<int>(0).capacity(), 2u);
}

TEST(SpscRing, AFullRingRefusesAndCountsEveryDrop)
{
    SpscRing<int> ring(4);
    for (int i = 0; i < 4; ++i)
        EXPECT_TRUE(ring.tryPush(i));
    EXPECT_FALSE(ring.tryPush(99));
    EXPECT_FALSE(ring.tryPush(100));
    EXPECT_EQ(ring.dropped(), 2u);
    int out[8];
    ASSERT_EQ(ring.popBatch(out, 8), 4u);
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(out[i], i);
    EXPECT_TRUE(ring.tryPush(5));
    EXPECT_EQ(ring.size(), 1u);
}

TEST(SpscRing, TwoThreadsTransferEverythingInOrder)
{
    constexpr uint64_t kItems = 2'000'000;
    SpscRing<Sample> ring(1024);
    std::thread producer([&] {
        for (uint64_t i = 0; i < kItems;) {
            Sample s;
            s.seq = i;
            s.value = i * 3;
            if (ring.tryPush(s))
                ++i;
        }
    });
    // The consumer starts once the producer has found the ring full: a full ring is certain, not left to how the
    // machine schedules the two threads, and the transfer below must still lose and reorder nothing.
    const bool refusedWhenFull = irqscope::test::waitUntil([&] { return ring.dropped() > 0; });
    uint64_t expected = 0;
    Sample batch[64];
    while (expected < kItems) {
        const std::size_t n = ring.popBatch(batch, 64);
        for (std::size_t i = 0; i < n; ++i) {
            ASSERT_EQ(batch[i].seq, expected);
            ASSERT_EQ(batch[i].value, expected * 3);
            ++expected;
        }
    }
    producer.join();
    EXPECT_TRUE(refusedWhenFull) << "refused pushes into the full ring are counted";
}

TEST(SpscRing, DropsUnderAStalledConsumerAreCountedExactly)
{
    SpscRing<Sample> ring(64);
    uint64_t pushed = 0;
    uint64_t refused = 0;
    std::thread producer([&] {
        for (int i = 0; i < 100'000; ++i) {
            if (ring.tryPush(Sample{}))
                ++pushed;
            else
                ++refused;
        }
    });
    producer.join();
    uint64_t popped = 0;
    Sample s;
    while (ring.tryPop(s))
        ++popped;
    EXPECT_EQ(popped, pushed);
    EXPECT_EQ(ring.dropped(), refused);
    EXPECT_EQ(pushed + refused, 100'000u);
}

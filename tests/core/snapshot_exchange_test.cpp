// SnapshotExchange: latest wins, generations never go backwards, and readers racing a publisher always see a
// whole snapshot (run under TSan as a threaded suite).
#include "stats/snapshot_exchange.h"
#include "wait_until.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

using namespace irqscope::core;
using irqscope::test::kGenerousTimeout;
using namespace std::chrono_literals;

namespace {

// A snapshot whose every field is derived from its generation, so a torn or mixed-up copy is detectable.
std::shared_ptr<const Snapshot> makeSnapshot(uint64_t generation)
{
    auto s = std::make_shared<Snapshot>();
    s->generation = generation;
    s->monotonicNs = static_cast<int64_t>(generation) * 1000;
    s->deviceId = "dev-" + std::to_string(generation);
    const auto vectors = 1 + generation % 7;
    for (uint64_t i = 0; i < vectors; ++i) {
        VectorSnapshot v;
        v.slot = static_cast<uint32_t>(i);
        v.counters.triggered = generation;
        v.counters.completed = generation;
        v.latency.count = generation * 10 + i;
        s->vectors.push_back(v);
    }
    return s;
}

bool consistent(const Snapshot& s)
{
    if (s.monotonicNs != static_cast<int64_t>(s.generation) * 1000 ||
        s.deviceId != "dev-" + std::to_string(s.generation))
        return false;
    if (s.vectors.size() != 1 + s.generation % 7)
        return false;
    for (std::size_t i = 0; i < s.vectors.size(); ++i) {
        const auto& v = s.vectors[i];
        if (v.slot != i || v.counters.triggered != s.generation || v.latency.count != s.generation * 10 + i)
            return false;
    }
    return true;
}

} // namespace

TEST(SnapshotExchange, EmptyUntilFirstPublish)
{
    SnapshotExchange ex;
    EXPECT_EQ(ex.latest(), nullptr);
    EXPECT_EQ(ex.generation(), 0u);
    EXPECT_EQ(ex.waitNewer(0, 1ms), nullptr);
    EXPECT_FALSE(ex.publish(nullptr));
}

TEST(SnapshotExchange, LatestWinsAndOlderGenerationsAreRefused)
{
    SnapshotExchange ex;
    EXPECT_TRUE(ex.publish(makeSnapshot(1)));
    EXPECT_TRUE(ex.publish(makeSnapshot(3)));
    EXPECT_EQ(ex.latest()->generation, 3u);
    EXPECT_FALSE(ex.publish(makeSnapshot(2)));
    EXPECT_FALSE(ex.publish(makeSnapshot(3)));
    EXPECT_EQ(ex.latest()->generation, 3u);
    EXPECT_EQ(ex.generation(), 3u);
    // A reader's copy outlives later publications.
    auto held = ex.latest();
    EXPECT_TRUE(ex.publish(makeSnapshot(4)));
    EXPECT_EQ(held->generation, 3u);
    EXPECT_TRUE(consistent(*held));
}

TEST(SnapshotExchange, WaitNewerWakesOnPublish)
{
    SnapshotExchange ex;
    ex.publish(makeSnapshot(1));
    std::thread publisher([&] {
        std::this_thread::sleep_for(20ms);
        ex.publish(makeSnapshot(2));
    });
    // Woken by the publication, not by the timeout: judged against the timeout (a minute), not against how soon
    // this machine runs the publisher.
    const auto t0 = std::chrono::steady_clock::now();
    auto s = ex.waitNewer(1, kGenerousTimeout);
    const auto waited = std::chrono::steady_clock::now() - t0;
    publisher.join();
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->generation, 2u);
    EXPECT_LT(waited, kGenerousTimeout);
    EXPECT_EQ(ex.waitNewer(2, 10ms), nullptr);
}

TEST(SnapshotExchange, ConcurrentReadersNeverSeeTornOrOlderSnapshots)
{
    SnapshotExchange ex;
    constexpr uint64_t kPublishes = 20'000;
    constexpr int kReaders = 3;
    std::atomic<bool> done{false};
    std::atomic<int> started{0};
    std::atomic<uint64_t> reads{0};
    std::atomic<int> failures{0};

    std::vector<std::thread> readers;
    for (int r = 0; r < kReaders; ++r) {
        readers.emplace_back([&, r] {
            uint64_t last = 0;
            started.fetch_add(1, std::memory_order_acq_rel);
            // One more pass after the publisher is done, so every reader reads at least once (the final snapshot)
            // however the machine schedules the threads.
            for (bool more = true; more;) {
                more = !done.load(std::memory_order_acquire);
                const uint64_t polled = ex.generation();
                auto s = (r == 0) ? ex.waitNewer(last, 1ms) : ex.latest();
                if (!s)
                    continue;
                if (s->generation < last || s->generation < polled || !consistent(*s))
                    failures.fetch_add(1);
                last = s->generation;
                reads.fetch_add(1, std::memory_order_relaxed);
            }
            if (last != kPublishes)
                failures.fetch_add(1);
        });
    }
    // The readers are running before the first publication: they race the publisher rather than start after it.
    while (started.load(std::memory_order_acquire) < kReaders)
        std::this_thread::yield();
    std::thread publisher([&] {
        for (uint64_t g = 1; g <= kPublishes; ++g) {
            if (!ex.publish(makeSnapshot(g)))
                failures.fetch_add(1);
            if (g % 64 == 0) // stale publications are refused even while readers race
                if (ex.publish(makeSnapshot(g - 10)))
                    failures.fetch_add(1);
        }
    });
    publisher.join();
    done.store(true, std::memory_order_release);
    for (auto& t : readers)
        t.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_GE(reads.load(), static_cast<uint64_t>(kReaders));
    EXPECT_EQ(ex.latest()->generation, kPublishes);
}

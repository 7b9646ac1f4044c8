// SnapshotExchange: latest-wins hand-off of immutable snapshots from the aggregator to any number of readers.
// The core thread never touches it. A short mutex guards only a shared_ptr copy (TSan-clean, unlike libstdc++'s
// lock-bit atomic<shared_ptr>); readers that want to know whether anything changed poll generation(), a plain
// atomic, and never block the publisher.
#pragma once

#include "stats/snapshot.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

namespace irqscope::core {

class SnapshotExchange
{
public:
    // Publisher. Replaces the current snapshot when `snapshot` is newer (a higher Snapshot::generation) and
    // returns true; a null or not newer snapshot is refused (false), so readers never go back in generation.
    bool publish(std::shared_ptr<const Snapshot> snapshot);

    // Any thread: the newest snapshot, or null before the first publish.
    std::shared_ptr<const Snapshot> latest() const;
    // Any thread, lock-free: the newest published generation (0 before the first publish).
    uint64_t generation() const { return m_generation.load(std::memory_order_acquire); }
    // Any thread: waits up to `timeout` for a snapshot with a generation above `afterGeneration`; returns it, or
    // null on timeout.
    std::shared_ptr<const Snapshot> waitNewer(uint64_t afterGeneration, std::chrono::milliseconds timeout) const;

private:
    mutable std::mutex m_mutex;
    mutable std::condition_variable m_published;
    std::shared_ptr<const Snapshot> m_latest;
    std::atomic<uint64_t> m_generation{0};
};

} // namespace irqscope::core

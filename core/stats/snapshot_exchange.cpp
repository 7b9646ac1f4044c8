// SnapshotExchange: publish (newer generations only), latest() and bounded waits for a newer snapshot.
#include "stats/snapshot_exchange.h"

#include <utility>

namespace irqscope::core {

bool SnapshotExchange::publish(std::shared_ptr<const Snapshot> snapshot)
{
    if (!snapshot)
        return false;
    std::shared_ptr<const Snapshot> previous; // released outside the lock: freeing a snapshot is not free
    {
        std::lock_guard lock(m_mutex);
        if (m_latest && snapshot->generation <= m_latest->generation)
            return false;
        m_generation.store(snapshot->generation, std::memory_order_release);
        previous = std::exchange(m_latest, std::move(snapshot));
    }
    m_published.notify_all();
    return true;
}

std::shared_ptr<const Snapshot> SnapshotExchange::latest() const
{
    std::lock_guard lock(m_mutex);
    return m_latest;
}

std::shared_ptr<const Snapshot> SnapshotExchange::waitNewer(uint64_t afterGeneration,
                                                            std::chrono::milliseconds timeout) const
{
    std::unique_lock lock(m_mutex);
    if (!m_published.wait_for(lock, timeout, [&] { return m_latest && m_latest->generation > afterGeneration; }))
        return nullptr;
    return m_latest;
}

} // namespace irqscope::core

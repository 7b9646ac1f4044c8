// SnapshotExchange: latest-wins hand-off of immutable snapshots from the aggregator to any number of readers.
// The core thread never touches it; the short mutex only guards a shared_ptr copy (TSan-clean, unlike
// libstdc++'s lock-bit atomic<shared_ptr>).
#pragma once

#include "stats/snapshot.h"

#include <memory>
#include <mutex>

namespace irqscope::core {

class SnapshotExchange
{
public:
    void publish(std::shared_ptr<const Snapshot> snapshot)
    {
        std::lock_guard lock(m_mutex);
        m_latest = std::move(snapshot);
    }
    std::shared_ptr<const Snapshot> latest() const
    {
        std::lock_guard lock(m_mutex);
        return m_latest;
    }

private:
    mutable std::mutex m_mutex;
    std::shared_ptr<const Snapshot> m_latest;
};

} // namespace irqscope::core

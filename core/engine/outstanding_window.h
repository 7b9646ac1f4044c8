// OutstandingWindow: the triggers of one vector that have been fired and not yet resolved, oldest first.
// Completions and deadlines both resolve the oldest first, so a fixed FIFO indexed by sequence number suffices.
#pragma once

#include <array>
#include <cstdint>

namespace irqscope::core {

class OutstandingWindow
{
public:
    static constexpr uint32_t kCapacity = 64; // the largest EngineConfig::maxOutstanding

    struct Entry
    {
        int64_t triggerNs = 0;
        bool failed = false; // the trigger call itself failed: resolve as missed
    };

    uint64_t nextSeq() const { return m_next; }
    uint64_t headSeq() const { return m_head; }
    uint32_t size() const { return static_cast<uint32_t>(m_next - m_head); }
    bool empty() const { return m_next == m_head; }

    // Precondition: size() < kCapacity.
    uint64_t push(int64_t triggerNs)
    {
        m_entries[m_next & (kCapacity - 1)] = {triggerNs, false};
        return m_next++;
    }
    // Precondition: !empty().
    const Entry& head() const { return m_entries[m_head & (kCapacity - 1)]; }
    void pop() { ++m_head; }
    bool contains(uint64_t seq) const { return seq >= m_head && seq < m_next; }
    void markFailed(uint64_t seq)
    {
        if (contains(seq))
            m_entries[seq & (kCapacity - 1)].failed = true;
    }
    // Marks the newest unfailed entry fired at `triggerNs`.
    void markFailedAt(int64_t triggerNs)
    {
        for (uint64_t seq = m_next; seq > m_head; --seq) {
            Entry& e = m_entries[(seq - 1) & (kCapacity - 1)];
            if (e.triggerNs == triggerNs && !e.failed) {
                e.failed = true;
                return;
            }
        }
    }
    void clear() { m_head = m_next; }

private:
    std::array<Entry, kCapacity> m_entries{};
    uint64_t m_next = 0;
    uint64_t m_head = 0;
};

} // namespace irqscope::core

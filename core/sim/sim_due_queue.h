// SimDueQueue: the simulated controllers' pending work (a completion to write, a message to send), earliest due
// first, taken by their worker thread when due. The owner's mutex guards it; clearing it is how a disabled, halted
// or reset controller drops what it had not done yet.
#pragma once

#include "base/monotonic_clock.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

namespace irqscope::core {

template<typename Event> // has int64_t dueNs
class SimDueQueue
{
public:
    explicit SimDueQueue(std::size_t reserve) { m_heap.reserve(reserve); }

    void push(const Event& e)
    {
        m_heap.push_back(e);
        std::push_heap(m_heap.begin(), m_heap.end(), later);
    }
    // The earliest event due at `nowNs` into `out`; false when none is due.
    bool popDue(int64_t nowNs, Event& out)
    {
        if (m_heap.empty() || m_heap.front().dueNs > nowNs)
            return false;
        std::pop_heap(m_heap.begin(), m_heap.end(), later);
        out = m_heap.back();
        m_heap.pop_back();
        return true;
    }
    void clear() { m_heap.clear(); }
    // Sleeps on `cv` (whose mutex `lock` holds) until the earliest event is due or the owner notifies.
    void waitForNext(std::condition_variable& cv, std::unique_lock<std::mutex>& lock) const
    {
        if (m_heap.empty()) {
            cv.wait(lock);
            return;
        }
        if (const int64_t wait = m_heap.front().dueNs - monotonicNs(); wait > 0)
            cv.wait_for(lock, std::chrono::nanoseconds(wait));
    }

private:
    static bool later(const Event& a, const Event& b) { return a.dueNs > b.dueNs; }
    std::vector<Event> m_heap; // a min-heap on dueNs
};

} // namespace irqscope::core

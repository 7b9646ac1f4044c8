// EventTimeline: the last N state changes and errors of one vector, with their timestamps (the mask-state
// timeline reports draw). Storage is reserved up front, then reused as a ring: memory stays flat however late in a
// run a vector's first event comes (a lazy reserve showed as RSS growth in irqscope_soak).
#pragma once

#include "engine/sample.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace irqscope::core {

struct VectorEvent
{
    int64_t timeNs = 0; // CLOCK_MONOTONIC
    EventCode code = EventCode::Armed;
    int error = 0; // errno for EventCode::Error, else 0
};

class EventTimeline
{
public:
    explicit EventTimeline(std::size_t capacity = 256)
        : m_capacity(capacity ? capacity : 1)
    {
        m_events.reserve(m_capacity);
    }

    void push(const VectorEvent& event)
    {
        if (m_events.size() < m_capacity) {
            m_events.push_back(event);
            return;
        }
        m_events[m_next] = event;
        m_next = (m_next + 1) % m_capacity;
        ++m_dropped;
    }
    // Oldest first.
    std::vector<VectorEvent> events() const
    {
        std::vector<VectorEvent> out;
        out.reserve(m_events.size());
        for (std::size_t i = 0; i < m_events.size(); ++i)
            out.push_back(m_events[(m_next + i) % m_events.size()]);
        return out;
    }
    uint64_t dropped() const { return m_dropped; } // events pushed out by newer ones
    void clear()
    {
        m_events.clear();
        m_next = 0;
        m_dropped = 0;
    }

private:
    std::size_t m_capacity;
    std::vector<VectorEvent> m_events;
    std::size_t m_next = 0; // oldest element once full
    uint64_t m_dropped = 0;
};

} // namespace irqscope::core

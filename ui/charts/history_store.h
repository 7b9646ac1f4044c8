// HistoryStore: the last minute of each vector's per-snapshot figures (interval max and p50 latency, completion
// rate), in fixed rings allocated once per vector, so the time charts can redraw any selection at any width.
#pragma once

#include "stats/snapshot.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace irqscope::ui {

struct TickPoint
{
    double tSec = 0;  // snapshot elapsedSec
    float maxUs = -1; // interval maximum latency; < 0 when the interval had no sample
    float p50Us = -1; // interval median latency
    float rateHz = 0; // completions per second
};

class TickRing
{
public:
    explicit TickRing(std::size_t capacity);
    void push(const TickPoint& point);
    void clear() { m_size = 0; }
    std::size_t size() const { return m_size; }
    // i = 0 is the oldest point.
    const TickPoint& at(std::size_t i) const
    {
        return m_points[(m_head + m_points.size() - m_size + i) % m_points.size()];
    }

private:
    std::vector<TickPoint> m_points;
    std::size_t m_head = 0; // next write
    std::size_t m_size = 0;
};

class HistoryStore
{
public:
    static constexpr std::size_t kCapacity = 2048; // ticks per vector: about 68 s at 30 Hz

    // Drops everything and sizes the store for `slotCount` vectors.
    void reset(uint32_t slotCount);
    // Forgets the points, keeps the rings (statistics reset).
    void clear();
    void append(const core::Snapshot& snapshot);
    const TickRing* ring(uint32_t slot) const;
    double latestSec() const { return m_latestSec; }

private:
    std::vector<std::unique_ptr<TickRing>> m_rings; // allocated when a vector first appears
    double m_latestSec = 0;
};

} // namespace irqscope::ui

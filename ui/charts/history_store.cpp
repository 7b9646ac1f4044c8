// Per-vector rings of snapshot figures for the time charts.
#include "charts/history_store.h"

namespace irqscope::ui {

TickRing::TickRing(std::size_t capacity)
    : m_points(capacity)
{}

void TickRing::push(const TickPoint& point)
{
    m_points[m_head] = point;
    m_head = (m_head + 1) % m_points.size();
    if (m_size < m_points.size())
        ++m_size;
}

void HistoryStore::reset(uint32_t slotCount)
{
    m_rings.clear();
    m_rings.resize(slotCount);
    m_latestSec = 0;
}

void HistoryStore::clear()
{
    for (auto& ring : m_rings) {
        if (ring)
            ring->clear();
    }
    m_latestSec = 0;
}

void HistoryStore::append(const core::Snapshot& snapshot)
{
    m_latestSec = snapshot.elapsedSec;
    for (const core::VectorSnapshot& v : snapshot.vectors) {
        if (v.slot >= m_rings.size())
            continue;
        auto& ring = m_rings[v.slot];
        if (!ring)
            ring = std::make_unique<TickRing>(kCapacity);
        TickPoint p;
        p.tSec = snapshot.elapsedSec;
        if (v.interval.count) {
            p.maxUs = static_cast<float>(static_cast<double>(v.interval.maxNs) / 1e3);
            p.p50Us = static_cast<float>(static_cast<double>(v.interval.p50Ns) / 1e3);
        }
        // The rate chart: completions per second, or while observing the host IRQ's interrupts per second.
        p.rateHz = static_cast<float>(v.observed ? v.observed->hostRateHz : v.completionRateHz);
        ring->push(p);
    }
}

const TickRing* HistoryStore::ring(uint32_t slot) const
{
    return slot < m_rings.size() ? m_rings[slot].get() : nullptr;
}

} // namespace irqscope::ui

// RateWindow: per-second rates of monotonic counters over a sliding window (~1 s), from a small fixed ring of
// (time, values) points spaced at least window/kSpacingDivisor apart. No allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace irqscope::core {

template<std::size_t N>
class RateWindow
{
public:
    using Values = std::array<uint64_t, N>;
    using Rates = std::array<double, N>;

    explicit RateWindow(int64_t windowNs = 1'000'000'000)
        : m_windowNs(windowNs > 0 ? windowNs : 1)
    {}

    // Returns the rates between a baseline point and (nowNs, values): the newest kept point at least a window old,
    // so the span covers the window (or, when no point is that old yet, the oldest one), then keeps (nowNs, values) as
    // a point if the spacing allows. The rates are 0 on the first call, and after a counter went backwards (the ring
    // restarts from that point).
    Rates update(int64_t nowNs, const Values& values)
    {
        Rates rates{};
        if (m_size) {
            const Point& base = baseline(nowNs);
            bool backwards = false;
            for (std::size_t i = 0; i < N; ++i)
                backwards = backwards || values[i] < base.values[i];
            if (backwards) {
                m_size = 0;
            } else if (nowNs > base.timeNs) {
                const double span = static_cast<double>(nowNs - base.timeNs) / 1e9;
                for (std::size_t i = 0; i < N; ++i)
                    rates[i] = static_cast<double>(values[i] - base.values[i]) / span;
            }
        }
        if (m_size == 0 || nowNs - newest().timeNs >= m_windowNs / kSpacingDivisor) {
            m_head = (m_head + 1) % kPoints;
            m_points[m_head] = Point{nowNs, values};
            if (m_size < kPoints)
                ++m_size;
        }
        return rates;
    }

private:
    // Points at least window/32 apart; 34 of them always span more than one window.
    static constexpr int64_t kSpacingDivisor = 32;
    static constexpr std::size_t kPoints = kSpacingDivisor + 2;

    struct Point
    {
        int64_t timeNs = 0;
        Values values{};
    };

    const Point& newest() const { return m_points[m_head]; }
    const Point& baseline(int64_t nowNs) const
    {
        // From the newest point back: the first one a window old. Not the oldest one inside the window: when
        // points are sparse (a snapshot a second for JSON Lines) that can be a millisecond old, and a final
        // snapshot's last drained samples over that millisecond read as a burst of tens of thousands per second.
        for (std::size_t age = 0; age < m_size; ++age) {
            const Point& p = m_points[(m_head + kPoints - age) % kPoints];
            if (nowNs - p.timeNs >= m_windowNs)
                return p;
        }
        return m_points[(m_head + kPoints - (m_size - 1)) % kPoints]; // the oldest
    }

    int64_t m_windowNs;
    std::array<Point, kPoints> m_points{};
    std::size_t m_head = 0;
    std::size_t m_size = 0;
};

} // namespace irqscope::core

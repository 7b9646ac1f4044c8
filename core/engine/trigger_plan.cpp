#include "engine/trigger_plan.h"

#include <cmath>

namespace irqscope::core {

void TriggerPlan::publish(const PlanView& view)
{
    const uint64_t seq = m_sequence.load(std::memory_order_relaxed);
    m_sequence.store(seq + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    const uint32_t n = view.count < PlanView::kMaxEntries ? view.count : PlanView::kMaxEntries;
    for (uint32_t i = 0; i < n; ++i)
        m_slots[i].store(view.slots[i], std::memory_order_relaxed);
    m_count.store(n, std::memory_order_relaxed);
    m_rateHz.store(view.rateHz, std::memory_order_relaxed);
    m_mode.store(static_cast<uint8_t>(view.mode), std::memory_order_relaxed);
    m_sequence.store(seq + 2, std::memory_order_release);
}

bool TriggerPlan::readIfChanged(uint64_t& seenGeneration, PlanView& out) const
{
    for (;;) {
        const uint64_t before = m_sequence.load(std::memory_order_acquire);
        if (before == seenGeneration)
            return false;
        if (before & 1)
            continue; // a write is in progress
        const uint32_t n = m_count.load(std::memory_order_relaxed);
        for (uint32_t i = 0; i < n && i < PlanView::kMaxEntries; ++i)
            out.slots[i] = m_slots[i].load(std::memory_order_relaxed);
        out.count = n;
        out.rateHz = m_rateHz.load(std::memory_order_relaxed);
        out.mode = static_cast<TriggerMode>(m_mode.load(std::memory_order_relaxed));
        std::atomic_thread_fence(std::memory_order_acquire);
        if (m_sequence.load(std::memory_order_relaxed) == before) {
            seenGeneration = before;
            return true;
        }
    }
}

void TriggerSchedule::reset(int64_t nowNs, uint32_t vectors, double rateHz, const uint32_t* slots,
                            VectorCounters* counters)
{
    m_vectors = vectors;
    m_position = 0;
    m_slots = slots;
    m_counters = counters;
    if (vectors == 0 || !(rateHz > 0) || !std::isfinite(rateHz)) {
        m_periodNs = 0;
        return;
    }
    const double period = 1e9 / (rateHz * vectors);
    m_periodNs = period < 1 ? 1 : static_cast<int64_t>(period);
    m_nextNs = nowNs + m_periodNs;
}

void TriggerSchedule::fallBehind(uint32_t position, uint64_t count)
{
    if (m_counters && m_slots && count != 0)
        VectorCounters::add(m_counters[m_slots[position]].behind, count);
}

uint32_t TriggerSchedule::take(int64_t nowNs)
{
    const uint32_t position = m_position;
    m_position = m_position + 1 >= m_vectors ? 0 : m_position + 1;
    m_nextNs += m_periodNs;
    const int64_t round = m_periodNs * static_cast<int64_t>(m_vectors);
    if (nowNs - m_nextNs > round) {
        const int64_t rounds = (nowNs - m_nextNs) / round;
        m_overruns += static_cast<uint64_t>(rounds);
        m_nextNs += rounds * round;
        for (uint32_t p = 0; p < m_vectors; ++p)
            fallBehind(p, static_cast<uint64_t>(rounds));
    }
    return position;
}

void TriggerSchedule::creditBehind(uint32_t position)
{
    if (position < m_vectors)
        fallBehind(position, 1);
}

void TriggerSchedule::close(int64_t nowNs)
{
    if (!active())
        return;
    // A due time less than a round before the plan ended is not behind: take() would still fire it (late, within
    // the round of lateness it allows), and the plan ended first. The thread that fires sees a plan change at a
    // moment of its own (after a wakeup or a command), so on a healthy run a due time or two is always pending
    // then; counting them behind showed a shortfall on every re-arm, rate change and stop. Only due times older
    // than a round, which take() would have skipped as whole rounds, are behind.
    const int64_t round = m_periodNs * static_cast<int64_t>(m_vectors);
    const int64_t owedUpToNs = nowNs - round;
    if (m_nextNs <= owedUpToNs) {
        // Due times m_nextNs, m_nextNs + period, ... up to owedUpToNs, from m_position on, round-robin.
        const uint64_t due = static_cast<uint64_t>((owedUpToNs - m_nextNs) / m_periodNs) + 1;
        const uint64_t rounds = due / m_vectors;
        const uint64_t rest = due % m_vectors;
        for (uint32_t i = 0; i < m_vectors; ++i) {
            const uint32_t p = static_cast<uint32_t>((m_position + i) % m_vectors);
            fallBehind(p, rounds + (i < rest ? 1 : 0));
        }
    }
    m_periodNs = 0;
    m_counters = nullptr;
    m_slots = nullptr;
}

} // namespace irqscope::core

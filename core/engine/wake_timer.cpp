#include "engine/wake_timer.h"

namespace irqscope::core {

bool WakeTimer::wakeBy(CompletionRing& ring, int64_t atNs)
{
    if (m_armedNs >= 0 && m_armedNs <= atNs)
        return true;
    m_at.tv_sec = atNs / 1'000'000'000;
    m_at.tv_nsec = atNs % 1'000'000'000;
    if (m_armedNs >= 0) {
        if (!ring.queueTimeoutUpdate(&m_at, CqeTag::encode(CqeKind::WakeTimer, m_generation, 0),
                                     CqeTag::encode(CqeKind::WakeTimerUpdate, m_generation, 0)))
            return false;
        m_armedNs = atNs;
        return true;
    }
    ++m_generation;
    if (!ring.queueTimeout(&m_at, CqeTag::encode(CqeKind::WakeTimer, m_generation, 0)))
        return false;
    m_armedNs = atNs;
    ++m_timersArmed;
    return true;
}

void WakeTimer::onExpired(uint32_t generation)
{
    if ((generation & 0xffffff) == (m_generation & 0xffffff))
        m_armedNs = -1;
}

void WakeTimer::onUpdateFailed(uint32_t generation)
{
    onExpired(generation); // the timer it was to move had fired: nothing is armed either way
}

} // namespace irqscope::core

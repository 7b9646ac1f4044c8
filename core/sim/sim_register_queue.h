// SimRegisterQueue: the bounded, preallocated queue that carries BAR0 register writes from any caller thread
// (the engine's core or trigger thread) to the simulated hardware thread. Pushing never allocates; it reports
// whether the consumer sleeps and so needs a wake-up, so a busy hardware thread costs the caller no syscall.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>

namespace irqscope::core {

struct SimRegisterWrite
{
    uint64_t offset = 0;
    uint32_t value = 0;
    int64_t atNs = 0; // CLOCK_MONOTONIC when the write was issued
};

class SimRegisterQueue
{
public:
    static constexpr std::size_t kCapacity = 4096;

    enum class Push
    {
        Queued,     // the consumer is awake and will see it
        QueuedWake, // the consumer sleeps: wake it
        Full,       // refused: the device is swamped
    };

    Push push(const SimRegisterWrite& w)
    {
        std::lock_guard lock(m_mutex);
        if (m_size == kCapacity)
            return Push::Full;
        m_ring[(m_head + m_size) % kCapacity] = w;
        ++m_size;
        const bool wake = m_consumerIdle;
        m_consumerIdle = false;
        return wake ? Push::QueuedWake : Push::Queued;
    }

    // Consumer: moves up to out.size() writes into `out`; returns how many.
    std::size_t popAll(std::span<SimRegisterWrite> out)
    {
        std::lock_guard lock(m_mutex);
        m_consumerIdle = false;
        std::size_t n = 0;
        while (m_size && n < out.size()) {
            out[n++] = m_ring[m_head];
            m_head = (m_head + 1) % kCapacity;
            --m_size;
        }
        return n;
    }

    // Consumer: about to sleep. False (and stays awake) if writes arrived meanwhile.
    bool goIdle()
    {
        std::lock_guard lock(m_mutex);
        if (m_size)
            return false;
        m_consumerIdle = true;
        return true;
    }

private:
    std::mutex m_mutex;
    std::array<SimRegisterWrite, kCapacity> m_ring{};
    std::size_t m_head = 0;
    std::size_t m_size = 0;
    bool m_consumerIdle = false;
};

} // namespace irqscope::core

// SpscRing: a bounded single-producer single-consumer ring. Never blocks, never allocates after construction;
// a push into a full ring fails and is counted in dropped(). Layout after rigtorp/SPSCQueue: each index on its
// own cache line, with a cached copy of the other side's index to cut coherency traffic.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>

namespace irqscope::core {

template<typename T>
class SpscRing
{
    static_assert(std::is_trivially_copyable_v<T>, "ring slots are copied, not constructed");

public:
    // Capacity is rounded up to a power of two (at least 2).
    explicit SpscRing(std::size_t capacity)
        : m_mask(std::bit_ceil(capacity < 2 ? std::size_t{2} : capacity) - 1)
        , m_slots(std::make_unique<T[]>(m_mask + 1))
    {}
    SpscRing(const SpscRing&) = delete;
    SpscRing& operator=(const SpscRing&) = delete;

    std::size_t capacity() const { return m_mask + 1; }

    // Producer side. Returns false (and counts a drop) when the ring is full.
    [[nodiscard]] bool tryPush(const T& value)
    {
        const uint64_t write = m_write.load(std::memory_order_relaxed);
        if (write - m_cachedRead > m_mask) {
            m_cachedRead = m_read.load(std::memory_order_acquire);
            if (write - m_cachedRead > m_mask) {
                m_dropped.store(m_dropped.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
                return false;
            }
        }
        m_slots[write & m_mask] = value;
        m_write.store(write + 1, std::memory_order_release);
        return true;
    }

    // Consumer side. Pops up to `max` items into `out`, returns how many.
    std::size_t popBatch(T* out, std::size_t max)
    {
        const uint64_t read = m_read.load(std::memory_order_relaxed);
        uint64_t available = m_cachedWrite - read;
        if (available < max) {
            m_cachedWrite = m_write.load(std::memory_order_acquire);
            available = m_cachedWrite - read;
        }
        const std::size_t n = available < max ? static_cast<std::size_t>(available) : max;
        for (std::size_t i = 0; i < n; ++i)
            out[i] = m_slots[(read + i) & m_mask];
        if (n)
            m_read.store(read + n, std::memory_order_release);
        return n;
    }

    [[nodiscard]] bool tryPop(T& out) { return popBatch(&out, 1) == 1; }

    // Any thread: approximate fill and the number of failed pushes.
    std::size_t size() const
    {
        return static_cast<std::size_t>(m_write.load(std::memory_order_acquire) -
                                        m_read.load(std::memory_order_acquire));
    }
    uint64_t dropped() const { return m_dropped.load(std::memory_order_relaxed); }

private:
    static constexpr std::size_t kLine = 64;

    const std::size_t m_mask;
    const std::unique_ptr<T[]> m_slots;

    alignas(kLine) std::atomic<uint64_t> m_write{0};
    uint64_t m_cachedRead = 0; // producer's copy of m_read
    std::atomic<uint64_t> m_dropped{0};

    alignas(kLine) std::atomic<uint64_t> m_read{0};
    uint64_t m_cachedWrite = 0; // consumer's copy of m_write

    char m_pad[kLine - sizeof(uint64_t)]{};
};

} // namespace irqscope::core

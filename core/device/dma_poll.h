// What the command-trigger drivers (NVMe, xHCI) share while they wait on a controller outside the hot path: reading
// a word the device writes by DMA, and the pause between two looks at a register or a completion entry.
#pragma once

#include <atomic>
#include <cstdint>
#include <time.h>

namespace irqscope::core {

// A completion word the device writes into our memory: read with acquire, so the rest of the entry that the phase
// or cycle bit announces is read after it (docs/dma-triggers.md).
inline uint32_t loadDmaWord(const uint32_t& word)
{
    return std::atomic_ref<const uint32_t>(word).load(std::memory_order_acquire);
}

// 50 us between two polls while bringing a controller up or down: far below any timeout the specifications give
// (CAP.TO's 500 ms units, xHCI's 16 ms halt), without spinning a CPU.
inline void pollPause()
{
    timespec ts{0, 50'000};
    nanosleep(&ts, nullptr);
}

} // namespace irqscope::core

// CompletionWatch: where a command trigger's vector will find its next completion in memory, packed in one 64-bit
// word so the delivery poller (engine/completion_poller.h) reads it with one atomic load while the core thread
// moves it at each reap (docs/dma-triggers.md §6).
//
// Layout: bits 63..32 a serial the owner bumps every time the position moves (so two positions a lap apart never
// give the same token), bit 31 the phase / cycle bit the entry carries once written, bit 30 always set (a live
// token is never 0; 0 means "no queue"), bits 29..0 the entry's index in its ring.
#pragma once

#include <atomic>
#include <cstdint>

namespace irqscope::core {

struct CompletionPosition
{
    uint32_t index = 0;
    bool phase = false;
};

class CompletionWatch
{
public:
    static constexpr uint64_t kNone = 0;

    static uint64_t pack(uint32_t serial, CompletionPosition p)
    {
        return (uint64_t(serial) << 32) | (uint64_t(p.phase) << 31) | (uint64_t(1) << 30) | (p.index & 0x3fffffffu);
    }
    static CompletionPosition unpack(uint64_t token)
    {
        return {static_cast<uint32_t>(token & 0x3fffffffu), bool((token >> 31) & 1)};
    }

    // Owner (the core thread, or the controller thread before the engine runs): the next completion is at `p`.
    void moveTo(CompletionPosition p)
    {
        ++m_serial;
        m_token.store(pack(m_serial, p), std::memory_order_release);
    }
    // Owner: no queue any more (tearDown): the poller stops looking.
    void clear() { m_token.store(kNone, std::memory_order_release); }
    // Any thread.
    uint64_t token() const { return m_token.load(std::memory_order_acquire); }

private:
    std::atomic<uint64_t> m_token{kNone};
    uint32_t m_serial = 0; // owner only
};

} // namespace irqscope::core

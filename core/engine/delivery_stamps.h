// DeliveryStamps: per vector slot, the delivery poller's latest "completion visible in memory" stamp and the
// completion token (CompletionWatch) it belongs to (docs/dma-triggers.md §6). One writer, the poller; one reader,
// the core thread. Each slot on its own cache line, so the poller's stores to one vector never evict what the core
// thread reads of another. Lock-free, no allocation after construction.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace irqscope::core {

// The stamp a completion sample may carry, or 0 (no delivery stamp): the poller's stamp counts only when it was
// taken for this very completion (`stampToken` == `wantToken`, never 0) and lies between the command's trigger
// and its eventfd completion. Anything else (no stamp yet, the previous command's, one a lap old) is refused,
// never adjusted. Pure, for the core thread and the tests.
inline int64_t pairVisibleStamp(uint64_t wantToken, uint64_t stampToken, int64_t visibleNs, int64_t triggerNs,
                                int64_t completionNs)
{
    if (wantToken == 0 || stampToken != wantToken || visibleNs <= 0)
        return 0;
    if (visibleNs < triggerNs || visibleNs > completionNs)
        return 0;
    return visibleNs;
}

// What the core thread hands TriggerBooks::resolveCompletion about delivery for one eventfd read: whether the
// vector is watched by the poller, the token of the completion it is about to consume, and the poller's stamp.
struct DeliveryMark
{
    bool tracked = false;
    uint64_t token = 0;      // the command trigger's nextCompletion() before this read's reap
    uint64_t stampToken = 0; // the token the poller's stamp was published under
    int64_t visibleNs = 0;
};

class DeliveryStamps
{
public:
    explicit DeliveryStamps(uint32_t slots)
        : m_slots(slots)
        , m_stamps(std::make_unique<Stamp[]>(slots ? slots : 1))
    {}

    uint32_t slots() const { return m_slots; }

    // Poller: the completion `token` of `slot` was seen in memory at `visibleNs`. A seqlock write: the token is 0
    // while the stamp changes, so a reader never pairs one completion's token with another's stamp.
    void publish(uint32_t slot, uint64_t token, int64_t visibleNs)
    {
        Stamp& s = m_stamps[slot];
        s.token.store(0, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_release);
        s.visibleNs.store(visibleNs, std::memory_order_relaxed);
        s.token.store(token, std::memory_order_release);
    }

    // Core thread: the stamp of completion `token`, with the token it was read under (0, 0 while being written).
    struct Read
    {
        uint64_t token = 0;
        int64_t visibleNs = 0;
    };
    Read read(uint32_t slot) const
    {
        const Stamp& s = m_stamps[slot];
        const uint64_t before = s.token.load(std::memory_order_acquire);
        const int64_t visible = s.visibleNs.load(std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_acquire);
        const uint64_t after = s.token.load(std::memory_order_relaxed);
        return before == after ? Read{before, visible} : Read{};
    }

private:
    struct alignas(64) Stamp
    {
        std::atomic<uint64_t> token{0};
        std::atomic<int64_t> visibleNs{0};
    };

    uint32_t m_slots;
    std::unique_ptr<Stamp[]> m_stamps;
};

} // namespace irqscope::core

// VectorCounters: the per-vector counters the core thread keeps and other threads read. The core thread is the
// only writer (relaxed stores of its own running values); readers use read() below, whose load order keeps
// triggered >= completed + coalesced + missed in every copy it returns.
#pragma once

#include <atomic>
#include <cstdint>

namespace irqscope::core {

namespace vstate {
inline constexpr uint32_t kArmed = 1u << 0;      // a trigger eventfd is set for this vector
inline constexpr uint32_t kUserMasked = 1u << 1; // masked by ACTION_MASK (INTx only)
inline constexpr uint32_t kAutomasked = 1u << 2; // INTx masked by the kernel after an interrupt, awaiting UNMASK
inline constexpr uint32_t kStuck = 1u << 3;      // triggers keep missing while it should be unmasked
inline constexpr uint32_t kTriggering = 1u << 4; // in the trigger generator's set
inline constexpr uint32_t kPending = 1u << 5;    // triggered while masked: delivery expected on unmask
} // namespace vstate

struct CountersCopy
{
    uint64_t triggered = 0;
    uint64_t completed = 0;
    uint64_t coalesced = 0;
    uint64_t missed = 0;
    uint64_t inFlight = 0;         // triggered - completed - coalesced - missed (at stop: left in flight)
    uint64_t spurious = 0;         // completions with no outstanding trigger while irqscope triggers the vector
    uint64_t deviceOriginated = 0; // completions while irqscope does not trigger it (the device's own)
    uint64_t errors = 0;           // failed SET_IRQS / region accesses on this vector
    uint64_t skipped = 0;          // triggers not fired because the vector's outstanding window was full
    uint64_t unmasks = 0;          // INTx UNMASKs issued after automask
    // The trigger schedule's books (docs/report-schema.md, "Requested and shortfall"): firings the schedule fell
    // behind on (the firing thread late by more than a round, also when the plan changed or the run stopped while it
    // still owed them), and the firings it owed the vector (its due times while in the plan: rate x time), read as
    // triggered + skipped + behind since every due time ends as exactly one of those. shortfall = skipped + behind.
    uint64_t requested = 0;
    uint64_t behind = 0;
    uint32_t state = 0; // vstate bits
    int32_t lastErrno = 0;
    int64_t lastCompletionNs = 0;
};

struct alignas(64) VectorCounters
{
    std::atomic<uint64_t> triggered{0};
    std::atomic<uint64_t> completed{0};
    std::atomic<uint64_t> coalesced{0};
    std::atomic<uint64_t> missed{0};
    std::atomic<uint64_t> spurious{0};
    std::atomic<uint64_t> deviceOriginated{0};
    std::atomic<uint64_t> errors{0};
    std::atomic<uint64_t> skipped{0};
    std::atomic<uint64_t> unmasks{0};
    // Written by whoever runs the trigger schedule (the core thread, or the trigger thread with --trigger-cpu)
    // through add(), not bump(): the core thread's reset() may store 0 while the trigger thread adds.
    std::atomic<uint64_t> behind{0};
    std::atomic<uint32_t> state{0};
    std::atomic<int32_t> lastErrno{0};
    std::atomic<int64_t> lastCompletionNs{0};

    // Single-writer increment: no read-modify-write instruction needed (only the core thread writes).
    static void bump(std::atomic<uint64_t>& counter, uint64_t by = 1)
    {
        counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_release);
    }

    // Increment from the schedule's owner (see requested).
    static void add(std::atomic<uint64_t>& counter, uint64_t by = 1)
    {
        counter.fetch_add(by, std::memory_order_acq_rel);
    }

    void reset()
    {
        for (auto* c : {&triggered, &completed, &coalesced, &missed, &spurious, &deviceOriginated, &errors, &skipped,
                        &unmasks, &behind})
            c->store(0, std::memory_order_relaxed);
        lastErrno.store(0, std::memory_order_relaxed);
        lastCompletionNs.store(0, std::memory_order_relaxed);
    }

    CountersCopy read() const
    {
        CountersCopy c;
        // Outcomes first, triggered last: the writer bumps triggered before any outcome of that trigger.
        c.completed = completed.load(std::memory_order_acquire);
        c.coalesced = coalesced.load(std::memory_order_acquire);
        c.missed = missed.load(std::memory_order_acquire);
        c.spurious = spurious.load(std::memory_order_acquire);
        c.deviceOriginated = deviceOriginated.load(std::memory_order_acquire);
        c.errors = errors.load(std::memory_order_acquire);
        c.skipped = skipped.load(std::memory_order_acquire);
        c.unmasks = unmasks.load(std::memory_order_acquire);
        c.behind = behind.load(std::memory_order_acquire);
        c.state = state.load(std::memory_order_acquire);
        c.lastErrno = lastErrno.load(std::memory_order_acquire);
        c.lastCompletionNs = lastCompletionNs.load(std::memory_order_acquire);
        c.triggered = triggered.load(std::memory_order_acquire);
        c.requested = c.triggered + c.skipped + c.behind;
        const uint64_t ended = c.completed + c.coalesced + c.missed;
        c.inFlight = c.triggered >= ended ? c.triggered - ended : 0;
        return c;
    }
};

} // namespace irqscope::core

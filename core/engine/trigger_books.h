// TriggerBooks: the accounting of every trigger, per vector. Each trigger fired enters the vector's outstanding
// window and leaves it exactly once: completed (the oldest outstanding trigger, when an eventfd read arrives),
// coalesced (each further one the same read's counter covers), or missed (its deadline passed, its firing
// failed, or its vector was disarmed). What a read counts beyond the window is unsolicited: spurious while
// irqscope triggers the vector, device-originated otherwise. So triggered = completed + coalesced + missed +
// in flight, always.
//
// Plain state only: no io_uring, no device, no thread of its own, so a unit test drives it directly
// (tests/core/trigger_books_test.cpp). Only the core thread calls the mutating methods, per completion and per
// trigger: none of them allocates, locks or makes a syscall (construction allocates, once). Other threads read
// counters() and threadResolved(), which are atomics published with release stores.
#pragma once

#include "engine/delivery_stamps.h"
#include "engine/outstanding_window.h"
#include "engine/sample.h"
#include "engine/spsc_ring.h"
#include "engine/vector_counters.h"

#include <atomic>
#include <cstdint>
#include <memory>

namespace irqscope::core {

class TriggerBooks
{
public:
    // A vector whose triggers miss their deadline this many times in a row, while not masked by the user, is
    // reported stuck (vstate::kStuck, EventCode::StuckMask).
    static constexpr uint32_t kStuckAfterMisses = 3;

    TriggerBooks(uint32_t slots, SpscRing<Sample>& samples);
    TriggerBooks(const TriggerBooks&) = delete;
    TriggerBooks& operator=(const TriggerBooks&) = delete;

    uint32_t slots() const { return m_slots; }
    const VectorCounters& counters(uint32_t slot) const { return m_counters[slot]; }
    // The counters array (by slot) for the trigger schedule's owner, which writes only behind
    // (VectorCounters::add), from the core thread or from the trigger thread.
    VectorCounters* scheduleCounters() const { return m_counters.get(); }
    // Firings by the trigger thread that have been resolved, per vector (the trigger thread compares it with
    // its own count of firings to respect maxOutstanding).
    uint64_t threadResolved(uint32_t slot) const { return m_threadResolved[slot].load(std::memory_order_acquire); }
    uint64_t outstanding() const { return m_outstanding; } // triggers in every window
    uint32_t inFlight(uint32_t slot) const { return m_books[slot].window.size(); }
    bool triggering(uint32_t slot) const { return m_books[slot].triggering; }
    bool userMasked(uint32_t slot) const { return m_books[slot].userMasked; }
    uint64_t samplesPushed() const { return m_samplesPushed.load(std::memory_order_relaxed); }

    // ---- triggers (per trigger) ----
    // A trigger fired at `triggerNs` (by the core thread, or by the trigger thread: `fromThread`). Precondition:
    // inFlight(slot) < OutstandingWindow::kCapacity. Returns its sequence number.
    uint64_t recordTrigger(uint32_t slot, int64_t triggerNs, bool fromThread);
    // The trigger thread's firing, told through its record ring: like recordTrigger, but a full window (which
    // the trigger thread's own limit prevents) counts it skipped and resolved at once.
    void recordThreadTrigger(uint32_t slot, int64_t triggerNs);
    // The trigger call of `seq` failed with `error`: it resolves as missed (ECOMM) once it is the oldest.
    void recordFailedTrigger(uint32_t slot, uint64_t seq, int error, int64_t nowNs);
    // The trigger thread's firing at `triggerNs` failed (its Fired record came first).
    void recordFailedThreadTrigger(uint32_t slot, int64_t triggerNs, int error);
    void recordSkipped(uint32_t slot) { VectorCounters::bump(m_counters[slot].skipped); }

    // ---- completions (per eventfd read) ----
    // An eventfd read of `count` signals at `nowNs`: the oldest outstanding trigger completes (a Completion
    // sample), the next count-1 are coalesced, and what is left over is unsolicited (counted, one Unsolicited
    // sample). Failed triggers at the head are resolved as missed first. Returns the unsolicited count.
    // `delivery`: for a vector the delivery poller watches, the Completion sample is flagged and carries the
    // poller's visible stamp when pairVisibleStamp accepts it (docs/dma-triggers.md §6).
    uint64_t resolveCompletion(uint32_t slot, uint64_t count, int64_t nowNs, const DeliveryMark& delivery = {});

    // ---- deadlines (every scan interval) ----
    // Resolves as missed (ETIME) every trigger older than `deadlineNs`; a vector masked by the user waits (its
    // interrupt is held by the mask and delivered on unmask, docs/kernel-vfio-irq.md §2.4), and its deadlines
    // count from the unmask.
    void scanDeadlines(int64_t nowNs, int64_t deadlineNs);
    // Resolves every outstanding trigger of the vector as missed with `error` (ESHUTDOWN: disarmed).
    void resolveAllMissed(uint32_t slot, int64_t nowNs, int error);

    // ---- vector state (commands, the arm/disarm transaction) ----
    void setTriggering(uint32_t slot, bool on) { m_books[slot].triggering = on; }
    // The user masked or unmasked the vector (ACTION_MASK / ACTION_UNMASK).
    void setUserMasked(uint32_t slot, bool masked, int64_t nowNs);
    // The INTx line was unmasked after a kernel automask: counted, and its deadlines restart now.
    void noteIntxUnmasked(uint32_t slot, int64_t nowNs)
    {
        VectorCounters::bump(m_counters[slot].unmasks);
        m_books[slot].unmaskedAtNs = nowNs;
    }
    void noteArmed(uint32_t slot);
    void noteDisarmed(uint32_t slot) { m_books[slot].userMasked = false; }
    // Zeroes every counter; triggers still in flight stay counted as triggered, so the books still balance.
    void resetCounters();

    // ---- publishing to readers ----
    void countError(uint32_t slot, int error, int64_t nowNs, bool setLastErrno = true);
    void setState(uint32_t slot, uint32_t set, uint32_t clear)
    {
        auto& st = m_counters[slot].state;
        st.store((st.load(std::memory_order_relaxed) & ~clear) | set, std::memory_order_release);
    }
    void pushEvent(uint32_t slot, EventCode code, int64_t nowNs, uint64_t detail = 0);
    void pushSample(const Sample& sample)
    {
        if (m_samples.tryPush(sample))
            m_samplesPushed.store(m_samplesPushed.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }

private:
    struct VectorBook
    {
        OutstandingWindow window;
        bool fromThread[OutstandingWindow::kCapacity] = {};
        bool triggering = false; // in irqscope's trigger plan: unsolicited reads are spurious, not the device's
        bool userMasked = false;
        bool stuckReported = false;
        uint32_t consecutiveMissed = 0;
        int64_t unmaskedAtNs = 0; // deadlines of a masked vector restart when it is unmasked
    };

    void resolveFailedHeads(uint32_t slot, int64_t nowNs);
    void resolveMissed(uint32_t slot, int64_t nowNs, int error);
    // Pops the head; counts it resolved for the trigger thread if that thread fired it.
    void popHead(uint32_t slot);

    uint32_t m_slots;
    SpscRing<Sample>& m_samples;
    std::unique_ptr<VectorBook[]> m_books;
    std::unique_ptr<VectorCounters[]> m_counters;
    std::unique_ptr<std::atomic<uint64_t>[]> m_threadResolved;
    uint64_t m_outstanding = 0;
    std::atomic<uint64_t> m_samplesPushed{0};
};

} // namespace irqscope::core

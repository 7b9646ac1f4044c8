#include "engine/trigger_books.h"

#include <algorithm>
#include <cerrno>

namespace irqscope::core {

TriggerBooks::TriggerBooks(uint32_t slots, SpscRing<Sample>& samples)
    : m_slots(slots)
    , m_samples(samples)
    , m_books(std::make_unique<VectorBook[]>(slots ? slots : 1))
    , m_counters(std::make_unique<VectorCounters[]>(slots ? slots : 1))
    , m_threadResolved(std::make_unique<std::atomic<uint64_t>[]>(slots ? slots : 1))
{}

uint64_t TriggerBooks::recordTrigger(uint32_t slot, int64_t triggerNs, bool fromThread)
{
    VectorBook& b = m_books[slot];
    const uint64_t seq = b.window.push(triggerNs);
    ++m_outstanding;
    b.fromThread[seq & (OutstandingWindow::kCapacity - 1)] = fromThread;
    VectorCounters::bump(m_counters[slot].triggered);
    if (b.userMasked)
        setState(slot, vstate::kPending, 0);
    return seq;
}

void TriggerBooks::recordThreadTrigger(uint32_t slot, int64_t triggerNs)
{
    if (m_books[slot].window.size() >= OutstandingWindow::kCapacity) {
        // Cannot happen (the trigger thread respects maxOutstanding); keep the books right anyway.
        recordSkipped(slot);
        m_threadResolved[slot].store(m_threadResolved[slot].load(std::memory_order_relaxed) + 1,
                                     std::memory_order_release);
        return;
    }
    recordTrigger(slot, triggerNs, true);
}

void TriggerBooks::recordFailedTrigger(uint32_t slot, uint64_t seq, int error, int64_t nowNs)
{
    m_books[slot].window.markFailed(seq);
    countError(slot, error, nowNs);
    resolveFailedHeads(slot, nowNs);
}

void TriggerBooks::recordFailedThreadTrigger(uint32_t slot, int64_t triggerNs, int error)
{
    m_books[slot].window.markFailedAt(triggerNs);
    countError(slot, error, triggerNs);
}

uint64_t TriggerBooks::resolveCompletion(uint32_t slot, uint64_t count, int64_t nowNs, const DeliveryMark& delivery)
{
    VectorBook& b = m_books[slot];
    VectorCounters& c = m_counters[slot];
    uint64_t remaining = count;
    c.lastCompletionNs.store(nowNs, std::memory_order_relaxed);

    resolveFailedHeads(slot, nowNs);
    if (remaining && !b.window.empty()) {
        Sample sample;
        sample.slot = slot;
        sample.kind = SampleKind::Completion;
        sample.value = remaining;
        sample.triggerNs = b.window.head().triggerNs;
        sample.completionNs = nowNs;
        sample.seq = b.window.headSeq();
        if (delivery.tracked) {
            sample.flags |= sampleflag::kDeliveryTracked;
            sample.visibleNs =
                pairVisibleStamp(delivery.token, delivery.stampToken, delivery.visibleNs, sample.triggerNs, nowNs);
        }
        popHead(slot);
        VectorCounters::bump(c.completed);
        pushSample(sample);
        --remaining;
        // The eventfd counter summed several signals: each further outstanding trigger was coalesced into this
        // completion (its own latency is unknown, so it gets no sample).
        while (remaining && !b.window.empty()) {
            resolveFailedHeads(slot, nowNs);
            if (b.window.empty())
                break;
            popHead(slot);
            VectorCounters::bump(c.coalesced);
            --remaining;
        }
        if (b.consecutiveMissed || b.stuckReported) {
            b.consecutiveMissed = 0;
            b.stuckReported = false;
            setState(slot, 0, vstate::kStuck);
        }
    }
    if (remaining) {
        // No trigger outstanding: spurious while irqscope triggers this vector, the device's own otherwise.
        VectorCounters::bump(b.triggering ? c.spurious : c.deviceOriginated, remaining);
        Sample sample;
        sample.slot = slot;
        sample.kind = SampleKind::Unsolicited;
        sample.flags = b.triggering ? sampleflag::kSpurious : 0;
        sample.value = remaining;
        sample.completionNs = nowNs;
        pushSample(sample);
    }
    if (b.window.empty())
        setState(slot, 0, vstate::kPending);
    return remaining;
}

void TriggerBooks::scanDeadlines(int64_t nowNs, int64_t deadlineNs)
{
    for (uint32_t slot = 0; slot < m_slots; ++slot) {
        VectorBook& b = m_books[slot];
        if (b.window.empty())
            continue;
        resolveFailedHeads(slot, nowNs);
        if (b.userMasked)
            continue; // held by the mask: delivered on unmask (docs/kernel-vfio-irq.md §2.4)
        while (!b.window.empty() && nowNs - std::max(b.window.head().triggerNs, b.unmaskedAtNs) > deadlineNs) {
            resolveMissed(slot, nowNs, ETIME);
            resolveFailedHeads(slot, nowNs);
        }
        if (b.window.empty())
            setState(slot, 0, vstate::kPending);
    }
}

void TriggerBooks::resolveAllMissed(uint32_t slot, int64_t nowNs, int error)
{
    while (!m_books[slot].window.empty())
        resolveMissed(slot, nowNs, error);
}

void TriggerBooks::setUserMasked(uint32_t slot, bool masked, int64_t nowNs)
{
    m_books[slot].userMasked = masked;
    if (!masked)
        m_books[slot].unmaskedAtNs = nowNs;
}

void TriggerBooks::noteArmed(uint32_t slot)
{
    VectorBook& b = m_books[slot];
    b.userMasked = false;
    b.consecutiveMissed = 0;
    b.stuckReported = false;
}

void TriggerBooks::resetCounters()
{
    for (uint32_t slot = 0; slot < m_slots; ++slot) {
        VectorCounters& c = m_counters[slot];
        c.reset();
        c.triggered.store(m_books[slot].window.size(), std::memory_order_release);
    }
}

void TriggerBooks::countError(uint32_t slot, int error, int64_t nowNs, bool setLastErrno)
{
    VectorCounters::bump(m_counters[slot].errors);
    if (setLastErrno)
        m_counters[slot].lastErrno.store(error, std::memory_order_relaxed);
    pushEvent(slot, EventCode::Error, nowNs, static_cast<uint64_t>(error));
}

void TriggerBooks::pushEvent(uint32_t slot, EventCode code, int64_t nowNs, uint64_t detail)
{
    Sample sample;
    sample.slot = slot;
    sample.kind = SampleKind::Event;
    sample.value = static_cast<uint64_t>(code);
    sample.completionNs = nowNs;
    sample.seq = detail;
    pushSample(sample);
}

void TriggerBooks::resolveFailedHeads(uint32_t slot, int64_t nowNs)
{
    VectorBook& b = m_books[slot];
    while (!b.window.empty() && b.window.head().failed)
        resolveMissed(slot, nowNs, ECOMM);
}

void TriggerBooks::resolveMissed(uint32_t slot, int64_t nowNs, int error)
{
    VectorBook& b = m_books[slot];
    Sample sample;
    sample.slot = slot;
    sample.kind = SampleKind::Missed;
    sample.triggerNs = b.window.head().triggerNs;
    sample.completionNs = nowNs;
    sample.seq = b.window.headSeq();
    sample.value = static_cast<uint64_t>(error);
    popHead(slot);
    VectorCounters::bump(m_counters[slot].missed);
    pushSample(sample);
    if (error == ETIME && ++b.consecutiveMissed >= kStuckAfterMisses && !b.userMasked && !b.stuckReported) {
        b.stuckReported = true;
        setState(slot, vstate::kStuck, 0);
        pushEvent(slot, EventCode::StuckMask, nowNs);
    }
}

void TriggerBooks::popHead(uint32_t slot)
{
    VectorBook& b = m_books[slot];
    if (b.fromThread[b.window.headSeq() & (OutstandingWindow::kCapacity - 1)])
        m_threadResolved[slot].store(m_threadResolved[slot].load(std::memory_order_relaxed) + 1,
                                     std::memory_order_release);
    b.window.pop();
    --m_outstanding;
}

} // namespace irqscope::core

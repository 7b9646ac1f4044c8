// WakeTimer: the core thread's one armed io_uring timeout (IORING_OP_TIMEOUT, absolute CLOCK_MONOTONIC), which
// wakes it for the next firing, deadline scan, instrument floor or stop deadline, so that its waits themselves
// carry no timeout. A wait with a timeout (IORING_ENTER_EXT_ARG) starts an hrtimer on every wait and cancels it
// on every wake, on the wake path of the completion being timed: in the latency bench that put irqscope's
// same-CPU p99 at 1.7x the raw io_uring waiter with the same ring flags (docs/benchmarks.md, "One armed timer
// instead of a timeout per wait"). An armed timer is started once per deadline and left alone by completions.
#pragma once

#include "engine/completion_ring.h"

#include <cstdint>

namespace irqscope::core {

class WakeTimer
{
public:
    // Makes sure the thread is woken by `atNs` (CLOCK_MONOTONIC): queues the timeout when none is armed, or moves
    // the armed one earlier (IORING_OP_TIMEOUT_REMOVE with IORING_TIMEOUT_UPDATE). A later `atNs` leaves an earlier
    // timer armed: the wake it brings finds nothing due and the thread waits again. False when the SQ is full.
    bool wakeBy(CompletionRing& ring, int64_t atNs);
    // A CQE tagged CqeKind::WakeTimer: the timer of `generation` expired (or was cancelled): none is armed now.
    void onExpired(uint32_t generation);
    // A CQE tagged CqeKind::WakeTimerUpdate: moving the timer failed (ENOENT: it had just expired, and its own
    // CQE says so), so nothing is known to be armed; the next wakeBy() arms a new one.
    void onUpdateFailed(uint32_t generation);

    int64_t armedAtNs() const { return m_armedNs; } // -1: none
    uint64_t timersArmed() const { return m_timersArmed; }

private:
    int64_t m_armedNs = -1;
    uint32_t m_generation = 0;
    uint64_t m_timersArmed = 0;
    // Read by the kernel when the SQE is submitted (timeout prep copies it), in the same loop turn.
    __kernel_timespec m_at{};
};

} // namespace irqscope::core

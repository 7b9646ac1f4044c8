// CompletionRing: the core thread's io_uring. One 8-byte IORING_OP_READ per armed eventfd, on registered
// (fixed) files, tagged with the vector's slot and arm generation; completions are harvested in batches and the
// whole loop costs one io_uring_enter (submit-and-wait) per iteration. The read's result is the eventfd counter:
// a value above 1 means signals were coalesced (docs/kernel-vfio-irq.md §4, last paragraph).
#pragma once

#include <liburing.h>

#include <cstdint>
#include <optional>
#include <string>

namespace irqscope::core {

// user_data layout: kind (8 bits) | generation (24 bits) | slot (32 bits).
enum class CqeKind : uint8_t
{
    VectorRead = 1,
    DoorbellRead = 2,
    UnmaskWrite = 3,
    Cancel = 4,
    ReqRead = 5,         // the REQ index's eventfd: the host wants the device back (docs/kernel-vfio-irq.md §2.6)
    FloorRead = 6,       // the instrument floor's own eventfd (engine/instrument_floor.h)
    WakeTimer = 7,       // the core thread's armed timeout (engine/wake_timer.h)
    WakeTimerUpdate = 8, // moving that timeout earlier
};

struct CqeTag
{
    CqeKind kind;
    uint32_t generation;
    uint32_t slot;

    static uint64_t encode(CqeKind kind, uint32_t generation, uint32_t slot)
    {
        return (uint64_t(kind) << 56) | (uint64_t(generation & 0xffffff) << 32) | slot;
    }
    static CqeTag decode(uint64_t data)
    {
        return {static_cast<CqeKind>(data >> 56), static_cast<uint32_t>((data >> 32) & 0xffffff),
                static_cast<uint32_t>(data)};
    }
};

class CompletionRing
{
public:
    CompletionRing() = default;
    ~CompletionRing();
    CompletionRing(const CompletionRing&) = delete;
    CompletionRing& operator=(const CompletionRing&) = delete;

    // Creates the ring (on the thread that will use it: SINGLE_ISSUER, DEFER_TASKRUN) with `files` registered
    // file slots. Returns a one-line error, e.g. when io_uring is disabled (/proc/sys/kernel/io_uring_disabled).
    std::optional<std::string> init(uint32_t entries, uint32_t files);

    // Points fixed-file `index` at `fd` (-1 clears it). 0 or -errno.
    int setFile(uint32_t index, int fd);

    // Queue operations; they are submitted by the next waitAndSubmit(). False when the SQ is full even after an
    // intermediate submit.
    bool queueRead(uint32_t fileIndex, uint64_t* buffer, uint64_t userData);
    bool queueWrite(uint32_t fileIndex, const uint64_t* buffer, uint64_t userData);
    bool queueCancel(uint64_t targetUserData, uint64_t userData);
    // A pure timer (IORING_OP_TIMEOUT, count 0) expiring at absolute CLOCK_MONOTONIC `at`, and the update that
    // moves one (IORING_TIMEOUT_UPDATE, 5.11+). `at` must stay valid until the next submit.
    bool queueTimeout(__kernel_timespec* at, uint64_t userData);
    bool queueTimeoutUpdate(__kernel_timespec* at, uint64_t timerUserData, uint64_t userData);

    // Submits what is queued and waits for at least one completion or until `timeoutNs` (relative; < 0: no
    // timeout). When the kernel still holds completion work from the last enter it runs all of it instead, without
    // waiting. Returns the number of ready CQEs (0 on timeout or EINTR), or -errno.
    int waitAndSubmit(int64_t timeoutNs);
    // Submits without waiting (used where the loop must not block).
    int submit();
    // True when the kernel holds completion work it has not run yet (IORING_SQ_TASKRUN, with TASKRUN_FLAG): on a
    // DEFER_TASKRUN ring one io_uring_enter runs at most max(20, min_complete) items and flags the rest
    // (docs/benchmarks.md, "The deferred work limit").
    bool workLeft() const;
    // Submits and runs up to `limit` items of that work without waiting (min_complete `limit`, zero timeout), so a
    // burst over many vectors costs one io_uring_enter instead of one per 20 completions. Returns the number of
    // ready CQEs or -errno.
    int drainWork(unsigned limit);
    // Free CQ entries: the most completions one drain can post without overflowing the CQ ring.
    unsigned cqSpace() const;
    // Busy-poll step, never sleeps: submits what is queued and, when the kernel flags deferred completion work
    // (IORING_SQ_TASKRUN) or `force` is set, runs it so its CQEs appear. Returns the number of ready CQEs or
    // -errno. Without queued work or a flag it is a few loads from the shared rings, no syscall.
    int poll(bool force);
    // The ring runs completion work only inside the core thread's own io_uring_enter (DEFER_TASKRUN).
    bool deferredTaskRun() const { return (m_flags & IORING_SETUP_DEFER_TASKRUN) != 0; }
    uint32_t setupFlags() const { return m_flags; }
    bool entersEveryPoll() const { return m_enterEveryPoll; }

    // Harvests up to `max` ready CQEs without blocking; call advance(n) after handling them.
    unsigned peekBatch(io_uring_cqe** cqes, unsigned max);
    void advance(unsigned n);

    bool valid() const { return m_initialised; }

private:
    io_uring_sqe* sqe();
    int readyAfterWait(int rc) const; // ready CQEs, or -errno for a failure other than ETIME/EINTR/EAGAIN/EBUSY

    io_uring m_ring{};
    uint32_t m_flags = 0;
    bool m_enterEveryPoll = false;
    bool m_initialised = false;
};

} // namespace irqscope::core

#include "engine/completion_ring.h"

#include "base/file_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace irqscope::core {

namespace {

std::string ioUringDisabledHint()
{
    const auto value = readInteger<int>("/proc/sys/kernel/io_uring_disabled");
    if (value && *value != 0)
        return fmt::format(" (kernel.io_uring_disabled is {}: set it to 0, or to 1 and run as a member of "
                           "kernel.io_uring_group)",
                           *value);
    return "";
}

} // namespace

CompletionRing::~CompletionRing()
{
    if (m_initialised)
        io_uring_queue_exit(&m_ring); // cancels reads still pending
}

std::optional<std::string> CompletionRing::init(uint32_t entries, uint32_t files)
{
    // SINGLE_ISSUER (6.0+): only the core thread submits, so the kernel skips the submission lock.
    // DEFER_TASKRUN (6.1+): a completion's task_work is queued on the ring and run inside the core thread's next
    // io_uring_enter, instead of being delivered to the task through TWA_SIGNAL (docs/benchmarks.md measures it).
    // TASKRUN_FLAG: the kernel sets IORING_SQ_TASKRUN while such work waits, so the busy-poll loop can see it
    // without a syscall. Older kernels refuse the newer flags with EINVAL: fall back one step at a time.
    // COOP_TASKRUN (5.19+), the step below, still flags the work and sends no IPI to a busy-polling thread.
    const uint32_t attempts[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
        0,
    };
    int rc = -EINVAL;
    for (const uint32_t flags : attempts) {
        io_uring_params params{};
        params.flags = flags;
        rc = io_uring_queue_init_params(entries, &m_ring, &params);
        if (rc != -EINVAL) {
            m_flags = flags;
            break;
        }
    }
    if (rc < 0) {
        // No epoll fallback, by decision (docs/reliability.md, "io_uring unavailable"): the wait path is what
        // irqscope measures, and a second one would silently change the numbers. So say what blocks it.
        if (rc == -ENOSYS)
            return "io_uring is not available (io_uring_setup: ENOSYS): the kernel is built without io_uring or a "
                   "seccomp filter hides it; irqscope needs io_uring (Linux 5.19 or later), with no fallback";
        if (rc == -EPERM) {
            const std::string sysctl = ioUringDisabledHint();
            return fmt::format("io_uring is refused (io_uring_setup: EPERM){}: allow io_uring_setup, io_uring_enter "
                               "and io_uring_register in the seccomp profile (a container's default profile blocks "
                               "them){}",
                               sysctl, sysctl.empty() ? "" : " or lower kernel.io_uring_disabled");
        }
        return fmt::format("io_uring is not available: {}; irqscope needs io_uring (Linux 5.19 or later)",
                           std::strerror(-rc));
    }
    m_initialised = true;
    // A registered ring fd (5.18+) spares io_uring_enter the fd lookup on every wait; optional.
    (void)io_uring_register_ring_fd(&m_ring);
    // Sparse registration (5.19+) where possible, else an explicit table of -1.
    rc = io_uring_register_files_sparse(&m_ring, files);
    if (rc < 0) {
        std::vector<int> empty(files, -1);
        rc = io_uring_register_files(&m_ring, empty.data(), files);
    }
    if (rc < 0)
        return fmt::format("io_uring cannot register {} files: {}", files, std::strerror(-rc));
    return std::nullopt;
}

int CompletionRing::setFile(uint32_t index, int fd)
{
    const int rc = io_uring_register_files_update(&m_ring, index, &fd, 1);
    return rc < 0 ? rc : 0;
}

io_uring_sqe* CompletionRing::sqe()
{
    io_uring_sqe* s = io_uring_get_sqe(&m_ring);
    if (!s) {
        io_uring_submit(&m_ring);
        s = io_uring_get_sqe(&m_ring);
    }
    return s;
}

bool CompletionRing::queueRead(uint32_t fileIndex, uint64_t* buffer, uint64_t userData)
{
    io_uring_sqe* s = sqe();
    if (!s)
        return false;
    io_uring_prep_read(s, static_cast<int>(fileIndex), buffer, sizeof *buffer, 0);
    s->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data64(s, userData);
    return true;
}

bool CompletionRing::queueWrite(uint32_t fileIndex, const uint64_t* buffer, uint64_t userData)
{
    io_uring_sqe* s = sqe();
    if (!s)
        return false;
    io_uring_prep_write(s, static_cast<int>(fileIndex), buffer, sizeof *buffer, 0);
    s->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data64(s, userData);
    return true;
}

bool CompletionRing::queueCancel(uint64_t targetUserData, uint64_t userData)
{
    io_uring_sqe* s = sqe();
    if (!s)
        return false;
    io_uring_prep_cancel64(s, targetUserData, 0);
    io_uring_sqe_set_data64(s, userData);
    return true;
}

bool CompletionRing::queueTimeout(__kernel_timespec* at, uint64_t userData)
{
    io_uring_sqe* s = sqe();
    if (!s)
        return false;
    io_uring_prep_timeout(s, at, 0, IORING_TIMEOUT_ABS);
    io_uring_sqe_set_data64(s, userData);
    return true;
}

bool CompletionRing::queueTimeoutUpdate(__kernel_timespec* at, uint64_t timerUserData, uint64_t userData)
{
    io_uring_sqe* s = sqe();
    if (!s)
        return false;
    io_uring_prep_timeout_update(s, at, timerUserData, IORING_TIMEOUT_ABS);
    io_uring_sqe_set_data64(s, userData);
    return true;
}

int CompletionRing::waitAndSubmit(int64_t timeoutNs)
{
    // The last enter left completion work behind (a burst over many vectors): there is nothing to wait for, and
    // running all of it now costs one enter instead of one per 20 completions.
    if (workLeft())
        return drainWork(cqSpace());
    io_uring_cqe* cqe = nullptr;
    int rc;
    if (timeoutNs < 0) {
        rc = io_uring_submit_and_wait(&m_ring, 1);
    } else {
        __kernel_timespec ts{};
        ts.tv_sec = timeoutNs / 1'000'000'000;
        ts.tv_nsec = timeoutNs % 1'000'000'000;
        // One io_uring_enter with IORING_ENTER_EXT_ARG (5.11+): submit, then wait with a timeout.
        rc = io_uring_submit_and_wait_timeout(&m_ring, &cqe, 1, &ts, nullptr);
    }
    return readyAfterWait(rc);
}

int CompletionRing::readyAfterWait(int rc) const
{
    // A wait that timed out, was interrupted or found the ring busy is no error: the CQEs there are are the result.
    if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
        return rc;
    return static_cast<int>(io_uring_cq_ready(&m_ring));
}

bool CompletionRing::workLeft() const
{
    // Only a DEFER_TASKRUN ring has the per-enter limit; a task_work ring runs its whole list on the way back.
    constexpr uint32_t kFlagged = IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
    return (m_flags & kFlagged) == kFlagged && (IO_URING_READ_ONCE(*m_ring.sq.kflags) & IORING_SQ_TASKRUN) != 0;
}

int CompletionRing::drainWork(unsigned limit)
{
    // With a timeout of zero the kernel runs the work (up to max(20, limit) items), then finds fewer than `limit`
    // CQEs and returns ETIME at once instead of sleeping.
    __kernel_timespec zero{};
    io_uring_cqe* cqe = nullptr;
    return readyAfterWait(io_uring_submit_and_wait_timeout(&m_ring, &cqe, std::max(1u, limit), &zero, nullptr));
}

unsigned CompletionRing::cqSpace() const
{
    return m_ring.cq.ring_entries - io_uring_cq_ready(&m_ring);
}

int CompletionRing::submit()
{
    return io_uring_submit(&m_ring);
}

int CompletionRing::poll(bool force)
{
    const bool queued = io_uring_sq_ready(&m_ring) != 0;
    const bool flagged = (IO_URING_READ_ONCE(*m_ring.sq.kflags) & (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW)) != 0;
    if (queued || flagged || force || m_enterEveryPoll) {
        const unsigned before = io_uring_cq_ready(&m_ring);
        // One io_uring_enter(GETEVENTS, min_complete 0): submits and runs the deferred completion work.
        const int rc = io_uring_submit_and_get_events(&m_ring);
        if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
            return rc;
        // Completion work ran that the kernel had not flagged (a kernel without TASKRUN_FLAG support for this
        // ring): from now on enter on every poll, or completions would wait for the next forced poll.
        if (!queued && !flagged && io_uring_cq_ready(&m_ring) > before)
            m_enterEveryPoll = true;
        // A burst left more work than one enter runs: take the rest in one more enter, not 20 items per poll.
        if (workLeft()) {
            if (const int drained = drainWork(cqSpace()); drained < 0)
                return drained;
        }
    }
    return static_cast<int>(io_uring_cq_ready(&m_ring));
}

unsigned CompletionRing::peekBatch(io_uring_cqe** cqes, unsigned max)
{
    return io_uring_peek_batch_cqe(&m_ring, cqes, max);
}

void CompletionRing::advance(unsigned n)
{
    io_uring_cq_advance(&m_ring, n);
}

} // namespace irqscope::core

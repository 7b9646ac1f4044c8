// The reference waiters: a thread pinned to the waiter CPU (SCHED_FIFO when asked) blocks in read(2), epoll_wait
// or io_uring_submit_and_wait, stamps the clock once the counter is consumed and acknowledges the producer.
#include "base/monotonic_clock.h"
#include "engine/cpu_setup.h"
#include "latency/waiter.h"

#include <fmt/format.h>
#include <liburing.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <thread>

namespace irqscope::bench {

namespace {

// The mechanism-specific part: set up once per round on the waiter thread, then one blocking wait per signal.
class Mechanism
{
public:
    virtual ~Mechanism() = default;
    virtual std::optional<std::string> setUp(int eventfd) = 0;
    // Blocks until the eventfd was signalled and returns the counter value read (0 on error).
    virtual uint64_t waitOnce() = 0;
};

class ReadMechanism final : public Mechanism
{
public:
    std::optional<std::string> setUp(int eventfd) override
    {
        m_fd = eventfd;
        return std::nullopt;
    }
    uint64_t waitOnce() override
    {
        uint64_t value = 0;
        return read(m_fd, &value, sizeof value) == sizeof value ? value : 0;
    }

private:
    int m_fd = -1;
};

class EpollMechanism final : public Mechanism
{
public:
    ~EpollMechanism() override
    {
        if (m_epoll >= 0)
            close(m_epoll);
    }
    std::optional<std::string> setUp(int eventfd) override
    {
        m_fd = eventfd;
        m_epoll = epoll_create1(EPOLL_CLOEXEC);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = eventfd;
        if (m_epoll < 0 || epoll_ctl(m_epoll, EPOLL_CTL_ADD, eventfd, &ev) < 0)
            return fmt::format("epoll: {}", std::strerror(errno));
        return std::nullopt;
    }
    uint64_t waitOnce() override
    {
        epoll_event ev{};
        while (epoll_wait(m_epoll, &ev, 1, -1) != 1) {
        }
        uint64_t value = 0;
        return read(m_fd, &value, sizeof value) == sizeof value ? value : 0;
    }

private:
    int m_fd = -1;
    int m_epoll = -1;
};

// `Flags` 0: default ring flags, as a user would start. The DEFER_TASKRUN variant has the ring setup irqscope's core
// thread uses (SINGLE_ISSUER|DEFER_TASKRUN|TASKRUN_FLAG), so irqscope's ratio to it is irqscope's own cost over
// the same kernel path.
template<unsigned Flags>
class UringMechanism final : public Mechanism
{
public:
    ~UringMechanism() override
    {
        if (m_ready)
            io_uring_queue_exit(&m_ring);
    }
    std::optional<std::string> setUp(int eventfd) override
    {
        m_fd = eventfd;
        if (const int rc = io_uring_queue_init(8, &m_ring, Flags); rc < 0)
            return fmt::format("io_uring: {}", std::strerror(-rc));
        m_ready = true;
        queueRead();
        return std::nullopt;
    }
    uint64_t waitOnce() override
    {
        io_uring_cqe* cqe = nullptr;
        io_uring_submit_and_wait(&m_ring, 1);
        while (io_uring_peek_cqe(&m_ring, &cqe) != 0)
            io_uring_wait_cqe(&m_ring, &cqe);
        const uint64_t value = cqe->res == sizeof m_value ? m_value : 0;
        io_uring_cqe_seen(&m_ring, cqe);
        queueRead(); // submitted by the next wait, as irqscope re-arms
        return value;
    }

private:
    void queueRead()
    {
        io_uring_sqe* sqe = io_uring_get_sqe(&m_ring);
        io_uring_prep_read(sqe, m_fd, &m_value, sizeof m_value, 0);
    }

    io_uring m_ring{};
    bool m_ready = false;
    int m_fd = -1;
    uint64_t m_value = 0;
};

// Busy-poll floor: a non-blocking read(2) in a loop (docs/wakeup-floor.md §1 row e). The thread never sleeps.
class BusyReadMechanism final : public Mechanism
{
public:
    std::optional<std::string> setUp(int eventfd) override
    {
        m_fd = eventfd;
        const int flags = fcntl(eventfd, F_GETFL);
        if (flags < 0 || fcntl(eventfd, F_SETFL, flags | O_NONBLOCK) < 0)
            return fmt::format("fcntl(O_NONBLOCK): {}", std::strerror(errno));
        return std::nullopt;
    }
    uint64_t waitOnce() override
    {
        uint64_t value = 0;
        for (;;) {
            const ssize_t n = read(m_fd, &value, sizeof value);
            if (n == sizeof value)
                return value;
            if (n < 0 && errno != EAGAIN && errno != EINTR)
                return 0;
        }
    }

private:
    int m_fd = -1;
};

// io_uring busy-poll as a user would write it from liburing's documentation: one IORING_OP_READ, a
// SINGLE_ISSUER|DEFER_TASKRUN|TASKRUN_FLAG ring, and io_uring_peek_cqe in a loop (liburing enters the kernel to
// run the completion work when the kernel sets IORING_SQ_TASKRUN). The thread never sleeps.
class UringSpinMechanism final : public Mechanism
{
public:
    ~UringSpinMechanism() override
    {
        if (m_ready)
            io_uring_queue_exit(&m_ring);
    }
    std::optional<std::string> setUp(int eventfd) override
    {
        m_fd = eventfd;
        const unsigned flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
        if (const int rc = io_uring_queue_init(8, &m_ring, flags); rc < 0)
            return fmt::format("io_uring (DEFER_TASKRUN): {}", std::strerror(-rc));
        m_ready = true;
        queueRead();
        io_uring_submit(&m_ring);
        return std::nullopt;
    }
    uint64_t waitOnce() override
    {
        io_uring_cqe* cqe = nullptr;
        while (io_uring_peek_cqe(&m_ring, &cqe) != 0) {
        }
        const uint64_t value = cqe->res == sizeof m_value ? m_value : 0;
        io_uring_cqe_seen(&m_ring, cqe);
        queueRead();
        io_uring_submit(&m_ring);
        return value;
    }

private:
    void queueRead()
    {
        io_uring_sqe* sqe = io_uring_get_sqe(&m_ring);
        io_uring_prep_read(sqe, m_fd, &m_value, sizeof m_value, 0);
    }

    io_uring m_ring{};
    bool m_ready = false;
    int m_fd = -1;
    uint64_t m_value = 0;
};

template<typename M>
class RawWaiter final : public Waiter
{
public:
    explicit RawWaiter(std::string_view name)
        : m_name(name)
    {}
    std::string_view name() const override { return m_name; }

    std::optional<std::string> runRound(const RoundPlan& plan, std::vector<int64_t>& latencies) override
    {
        const int fd = eventfd(0, EFD_CLOEXEC);
        if (fd < 0)
            return fmt::format("eventfd: {}", std::strerror(errno));
        std::vector<int64_t> signalNs;
        std::vector<int64_t> wakeNs(plan.total(), 0);
        std::atomic<uint32_t> acked{0};
        std::atomic<int> state{0}; // 0 setting up, 1 ready, 2 failed
        std::optional<std::string> error;
        uint32_t wrongValues = 0;

        std::thread waiter([&] {
            M mechanism;
            (void)core::pinCurrentThread(plan.waiterCpu);
            if (plan.fifoPriority > 0)
                (void)core::setFifo(plan.fifoPriority);
            if (auto err = mechanism.setUp(fd)) {
                error = err;
                state.store(2, std::memory_order_release);
                return;
            }
            state.store(1, std::memory_order_release);
            for (uint32_t i = 0; i < plan.total(); ++i) {
                const uint64_t value = mechanism.waitOnce();
                wakeNs[i] = core::monotonicNs();
                wrongValues += value != 1;
                acked.store(i + 1, std::memory_order_release);
            }
        });
        while (state.load(std::memory_order_acquire) == 0)
            std::this_thread::yield();
        bool produced = false;
        if (state.load() == 1) {
            // Its own thread: the producer pins itself, and the main thread's CPU set must stay whole.
            std::thread producer([&] {
                produced = produceSignals(plan, fd, signalNs, [&](uint32_t i) {
                    waitUntil([&] { return acked.load(std::memory_order_acquire) > i; });
                    return true;
                });
            });
            producer.join();
        }
        waiter.join();
        close(fd);
        if (error)
            return error;
        if (!produced)
            return "the producer's write(2) failed";
        if (wrongValues)
            return fmt::format("{} signals were read coalesced or failed", wrongValues);
        latencies.clear();
        for (uint32_t i = plan.warmup; i < plan.total(); ++i)
            latencies.push_back(wakeNs[i] - signalNs[i]);
        return std::nullopt;
    }

private:
    std::string m_name;
};

} // namespace

std::unique_ptr<Waiter> makeReadWaiter()
{
    return std::make_unique<RawWaiter<ReadMechanism>>("read");
}

std::unique_ptr<Waiter> makeEpollWaiter()
{
    return std::make_unique<RawWaiter<EpollMechanism>>("epoll");
}

std::unique_ptr<Waiter> makeUringWaiter()
{
    return std::make_unique<RawWaiter<UringMechanism<0>>>("io_uring");
}

std::unique_ptr<Waiter> makeUringDeferWaiter()
{
    constexpr unsigned kDefer = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
    return std::make_unique<RawWaiter<UringMechanism<kDefer>>>("uring defer");
}

std::unique_ptr<Waiter> makeBusyReadWaiter()
{
    return std::make_unique<RawWaiter<BusyReadMechanism>>("read spin");
}

std::unique_ptr<Waiter> makeUringSpinWaiter()
{
    return std::make_unique<RawWaiter<UringSpinMechanism>>("uring spin");
}

} // namespace irqscope::bench

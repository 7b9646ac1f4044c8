// Reference consumers written the way a user would: epoll_wait(1024) + read(2) of each ready eventfd, and one
// io_uring IORING_OP_READ per eventfd with every ready CQE harvested and re-armed in one submit-and-wait; plus
// the producer alone (no consumer) as the write(2) ceiling.
#include "base/monotonic_clock.h"
#include "engine/cpu_setup.h"
#include "throughput/consumer.h"

#include <fmt/format.h>
#include <liburing.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <thread>
#include <time.h>
#include <unistd.h>

namespace irqscope::bench {

namespace {

int64_t threadCpuNow()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::vector<int> openEventfds(uint32_t n, int flags)
{
    std::vector<int> fds;
    for (uint32_t i = 0; i < n; ++i) {
        const int fd = eventfd(0, EFD_CLOEXEC | flags);
        if (fd < 0)
            break;
        fds.push_back(fd);
    }
    return fds;
}

void closeAll(const std::vector<int>& fds)
{
    for (int fd : fds)
        close(fd);
}

// True once every produced signal is in, or the drain grace after the producer stopped has passed.
bool finished(const Producer& producer, uint64_t consumed, int64_t& doneAtNs)
{
    if (!producer.done())
        return false;
    if (consumed >= producer.produced())
        return true;
    const int64_t now = core::monotonicNs();
    if (doneAtNs == 0)
        doneAtNs = now;
    return now - doneAtNs > kDrainGraceNs;
}

TputResult finish(const Producer& producer, uint64_t consumed, uint64_t deliveries, int64_t cpuNs)
{
    TputResult r;
    r.produced = producer.produced();
    r.consumed = consumed;
    r.deliveries = deliveries;
    r.producerSeconds = producer.seconds();
    r.consumerCpuNs = cpuNs;
    if (producer.failed())
        r.error = "the producer's write(2) failed";
    return r;
}

class WriteCeiling final : public Consumer
{
public:
    std::string_view name() const override { return "write(2) only"; }
    TputResult run(const TputPlan& plan) override
    {
        const auto fds = openEventfds(plan.fds, 0);
        if (fds.size() != plan.fds)
            return {.error = fmt::format("eventfd: {}", std::strerror(errno))};
        Producer producer;
        std::thread([&] { producer.run(plan, fds); }).join();
        uint64_t leftover = 0;
        for (int fd : fds) {
            uint64_t v = 0;
            if (read(fd, &v, sizeof v) == sizeof v)
                leftover += v;
        }
        closeAll(fds);
        return finish(producer, leftover, plan.fds, 0);
    }
};

class EpollConsumer final : public Consumer
{
public:
    std::string_view name() const override { return "epoll"; }
    TputResult run(const TputPlan& plan) override
    {
        const auto fds = openEventfds(plan.fds, EFD_NONBLOCK);
        const int ep = epoll_create1(EPOLL_CLOEXEC);
        if (fds.size() != plan.fds || ep < 0)
            return {.error = fmt::format("eventfd/epoll: {}", std::strerror(errno))};
        for (uint32_t i = 0; i < plan.fds; ++i) {
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.u32 = i;
            epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
        }
        Producer producer;
        uint64_t consumed = 0;
        uint64_t deliveries = 0;
        int64_t cpuNs = 0;
        std::thread consumer([&] {
            (void)core::pinCurrentThread(plan.consumerCpu);
            const int64_t cpu0 = threadCpuNow();
            epoll_event events[1024];
            int64_t doneAt = 0;
            while (!finished(producer, consumed, doneAt)) {
                const int n = epoll_wait(ep, events, 1024, 20);
                for (int i = 0; i < n; ++i) {
                    uint64_t v = 0;
                    if (read(fds[events[i].data.u32], &v, sizeof v) == sizeof v) {
                        consumed += v;
                        ++deliveries;
                    }
                }
            }
            cpuNs = threadCpuNow() - cpu0;
        });
        std::thread([&] { producer.run(plan, fds); }).join();
        consumer.join();
        close(ep);
        closeAll(fds);
        return finish(producer, consumed, deliveries, cpuNs);
    }
};

class UringConsumer final : public Consumer
{
public:
    std::string_view name() const override { return "io_uring"; }
    TputResult run(const TputPlan& plan) override
    {
        // Blocking eventfds: io_uring reads them through its poll path (a non-blocking one fails at once).
        const auto fds = openEventfds(plan.fds, 0);
        if (fds.size() != plan.fds)
            return {.error = fmt::format("eventfd: {}", std::strerror(errno))};
        Producer producer;
        uint64_t consumed = 0;
        uint64_t deliveries = 0;
        int64_t cpuNs = 0;
        std::optional<std::string> error;
        std::thread consumer([&] {
            (void)core::pinCurrentThread(plan.consumerCpu);
            io_uring ring{};
            if (const int rc = io_uring_queue_init(std::bit_ceil(std::max(plan.fds, 8u)), &ring, 0); rc < 0) {
                error = fmt::format("io_uring: {}", std::strerror(-rc));
                return;
            }
            std::vector<uint64_t> values(plan.fds, 0);
            auto queue = [&](uint32_t i) {
                io_uring_sqe* sqe = io_uring_get_sqe(&ring);
                io_uring_prep_read(sqe, fds[i], &values[i], sizeof(uint64_t), 0);
                io_uring_sqe_set_data64(sqe, i);
            };
            for (uint32_t i = 0; i < plan.fds; ++i)
                queue(i);
            const int64_t cpu0 = threadCpuNow();
            int64_t doneAt = 0;
            while (!finished(producer, consumed, doneAt)) {
                __kernel_timespec ts{0, 20'000'000};
                io_uring_cqe* cqe = nullptr;
                io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts, nullptr);
                unsigned head = 0;
                unsigned seen = 0;
                io_uring_for_each_cqe(&ring, head, cqe)
                {
                    const auto i = static_cast<uint32_t>(io_uring_cqe_get_data64(cqe));
                    if (cqe->res == sizeof(uint64_t)) {
                        consumed += values[i];
                        ++deliveries;
                    }
                    queue(i);
                    ++seen;
                }
                io_uring_cq_advance(&ring, seen);
            }
            cpuNs = threadCpuNow() - cpu0;
            io_uring_queue_exit(&ring);
        });
        std::thread([&] { producer.run(plan, fds); }).join();
        consumer.join();
        closeAll(fds);
        TputResult r = finish(producer, consumed, deliveries, cpuNs);
        if (error)
            r.error = error;
        return r;
    }
};

} // namespace

std::unique_ptr<Consumer> makeWriteCeiling()
{
    return std::make_unique<WriteCeiling>();
}

std::unique_ptr<Consumer> makeEpollConsumer()
{
    return std::make_unique<EpollConsumer>();
}

std::unique_ptr<Consumer> makeUringConsumer()
{
    return std::make_unique<UringConsumer>();
}

} // namespace irqscope::bench

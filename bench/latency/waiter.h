// Waiter: one way of waiting for an eventfd signal in the latency bench. runRound() runs the shared producer
// against it for one round and returns the latency of every measured (post-warm-up) signal: from the producer's
// stamp just before write(2) to the waiter's stamp once the counter value has been consumed.
#pragma once

#include "latency/round_plan.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irqscope::bench {

class Waiter
{
public:
    virtual ~Waiter() = default;
    virtual std::string_view name() const = 0;
    virtual bool isIrqscope() const { return false; }
    // A one-line error when the round could not run or a signal was lost, coalesced or read wrong.
    virtual std::optional<std::string> runRound(const RoundPlan& plan, std::vector<int64_t>& latencies) = 0;
};

// Minimal reference waiters written the way a user would by hand: blocking read(2), epoll_wait + read(2), and
// an io_uring IORING_OP_READ loop (wait for the CQE, re-arm).
std::unique_ptr<Waiter> makeReadWaiter();
std::unique_ptr<Waiter> makeEpollWaiter();
std::unique_ptr<Waiter> makeUringWaiter();
// The same with irqscope's ring flags (DEFER_TASKRUN): the kernel path irqscope takes, without irqscope.
std::unique_ptr<Waiter> makeUringDeferWaiter();
// Busy-poll references (the thread never sleeps): non-blocking read(2) in a loop, the floor; and an io_uring
// READ on a DEFER_TASKRUN|TASKRUN_FLAG ring with io_uring_peek_cqe in a loop.
std::unique_ptr<Waiter> makeBusyReadWaiter();
std::unique_ptr<Waiter> makeUringSpinWaiter();
// irqscope's Engine in passive mode on a BenchDevice: the producer's write is the device interrupt. With
// `busyPoll` the engine runs with EngineConfig::busyPoll.
std::unique_ptr<Waiter> makeEngineWaiter(bool busyPoll = false);

} // namespace irqscope::bench

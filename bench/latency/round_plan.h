// RoundPlan: one interleaved round of the latency bench (where producer and waiter run, how many signals, the
// random gap between them), and the producer every waiter shares: it sleeps a random gap, stamps
// CLOCK_MONOTONIC, writes 1 to the eventfd and waits for the waiter's acknowledgement before the next gap, so
// every sample is a fresh, uncoalesced wakeup.
#pragma once

#include "base/monotonic_clock.h"
#include "engine/cpu_setup.h"

#include <cstdint>
#include <sched.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include <vector>

namespace irqscope::bench {

struct RoundPlan
{
    int producerCpu = 0;
    int waiterCpu = 1;
    int fifoPriority = 0;         // the waiter's (and irqscope's core thread's); 0 = SCHED_OTHER
    int producerFifoPriority = 0; // below the waiter's, so that on a shared CPU the waiter still runs first
    uint32_t warmup = 500;
    uint32_t samples = 10000;
    int64_t gapMinNs = 20'000;
    int64_t gapMaxNs = 100'000;
    uint64_t seed = 1;

    uint32_t total() const { return warmup + samples; }
};

// The producer's wait for an acknowledgement: spins briefly (a wakeup takes microseconds), then yields, so that
// on a busy machine the producer is not parked behind other tasks' time slices.
template<typename Ready>
void waitUntil(Ready&& ready)
{
    const int64_t spinUntil = core::monotonicNs() + 200'000;
    while (!ready()) {
        if (core::monotonicNs() > spinUntil)
            sched_yield();
        else
            __builtin_ia32_pause();
    }
}

// Runs on the calling thread: pins it, then for each of plan.total() signals sleeps, stamps signalNs[i], writes
// the eventfd and calls ack(i), which must return once the waiter consumed signal i. False if a write failed.
template<typename Ack>
bool produceSignals(const RoundPlan& plan, int eventfd, std::vector<int64_t>& signalNs, Ack&& ack)
{
    (void)core::pinCurrentThread(plan.producerCpu);
    if (plan.producerFifoPriority > 0)
        (void)core::setFifo(plan.producerFifoPriority);
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    uint64_t rng = plan.seed * 0x9E3779B97F4A7C15ull + 1;
    const uint64_t span = static_cast<uint64_t>(plan.gapMaxNs - plan.gapMinNs + 1);
    const uint64_t one = 1;
    signalNs.assign(plan.total(), 0);
    for (uint32_t i = 0; i < plan.total(); ++i) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        const int64_t gap = plan.gapMinNs + static_cast<int64_t>(rng % span);
        const timespec ts{0, static_cast<long>(gap)};
        clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, nullptr);
        signalNs[i] = core::monotonicNs();
        if (write(eventfd, &one, sizeof one) != sizeof one)
            return false;
        if (!ack(i))
            return false;
    }
    return true;
}

} // namespace irqscope::bench

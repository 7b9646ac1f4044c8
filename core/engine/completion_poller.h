// CompletionPoller: the thread that stamps when a command trigger's completion becomes visible in memory, for the
// second latency of each completion, interrupt delivery = eventfd completion - visible (docs/dma-triggers.md §6).
//
// It runs only in a device-triggered run with a command trigger (NVMe, xHCI), pinned to a CPU other than the core
// thread's, SCHED_OTHER, and spins: per watched vector it asks the trigger for the token of the vector's next
// completion and whether that completion is in memory (one load of the phase / cycle word, no syscall), and the
// first time it is, stamps CLOCK_MONOTONIC into DeliveryStamps under that token; a pause instruction between
// scans. Its cost is one CPU busy for as long as the run lasts. The core thread pairs the stamp with the
// completion it reads from the eventfd (pairVisibleStamp): it never waits for the poller.
#pragma once

#include "engine/delivery_stamps.h"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace irqscope::core {

class CommandTrigger;

// The poller's CPU: `requested` when >= 0 (it must be allowed and not the core CPU), else the first allowed CPU
// that is neither the core's nor the trigger thread's, else the first that is not the core's. nullopt with
// `why` set (one line) when there is none: the run then goes on without delivery latency.
std::optional<int> choosePollerCpu(int requested, int coreCpu, int triggerCpu, const std::vector<int>& allowed,
                                   std::string& why);

class CompletionPoller
{
public:
    struct Watched
    {
        uint32_t slot = 0; // where its stamps go
        uint32_t sub = 0;  // the MSI-X vector the trigger completes on
    };

    // `trigger` and `stamps` outlive the poller.
    CompletionPoller(const CommandTrigger& trigger, DeliveryStamps& stamps, std::vector<Watched> watched);
    ~CompletionPoller(); // stop()
    CompletionPoller(const CompletionPoller&) = delete;
    CompletionPoller& operator=(const CompletionPoller&) = delete;

    // Starts the thread on `cpu` and waits until it is pinned; one line when it cannot be (nothing runs then).
    std::optional<std::string> start(int cpu);
    void stop(); // idempotent
    bool running() const { return m_thread.joinable(); }

    // One pass over the watched vectors, on the calling thread: what the thread repeats. Returns the stamps it
    // published. For the tests, which drive it step by step.
    uint32_t scanOnce();
    uint64_t stampsPublished() const { return m_published.load(std::memory_order_relaxed); }

private:
    void run(int cpu);

    const CommandTrigger& m_trigger;
    DeliveryStamps& m_stamps;
    std::vector<Watched> m_watched;
    std::vector<uint64_t> m_lastToken; // per watched vector: the token last stamped (poller thread only)
    std::atomic<bool> m_stop{false};
    std::atomic<uint64_t> m_published{0};
    std::thread m_thread;
};

} // namespace irqscope::core

// Engine: owns the core thread that arms vectors, waits for their completions with io_uring, timestamps each
// one, fires triggers and accounts for every trigger as completed, coalesced or missed.
//
// Threads: the controller (CLI main thread or the UI) calls post()/takeResult(); the core thread is the only
// writer of the counters and the producer of the sample ring; one aggregator thread consumes the sample ring.
#pragma once

#include "base/vector_id.h"
#include "engine/command.h"
#include "engine/engine_config.h"
#include "engine/sample.h"
#include "engine/spsc_ring.h"
#include "engine/vector_counters.h"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace irqscope::core {

class IrqDevice;
class CoreThread;

// Engine-wide figures, written by the core thread, readable anywhere.
struct EngineStatus
{
    bool running = false;
    int coreCpu = -1;
    int triggerCpu = -1; // -1: triggers fired on the core thread
    // The delivery poller (docs/dma-triggers.md §6): its CPU, -1 when none runs; when a command-triggered run has
    // none, deliveryNote says why in one line (no second CPU), else "".
    int pollerCpu = -1;
    std::string deliveryNote;
    std::string policy; // "SCHED_OTHER" or "SCHED_FIFO 80"
    bool mlocked = false;
    bool pmQos = false;
    TriggerMode triggerMode = TriggerMode::Loopback;
    double rateHz = 0;
    uint64_t loops = 0;       // io_uring waits
    uint64_t completions = 0; // CQEs harvested for vectors
    uint64_t samplesPushed = 0;
    uint64_t ringDrops = 0;               // samples lost to a full sample ring
    uint64_t floorSamples = 0;            // instrument-floor samples offered to the ring (engine/instrument_floor.h)
    uint64_t coreAllocationsAfterArm = 0; // only counted in builds with the allocation hook (tests)
    int64_t startedNs = 0;                // CLOCK_MONOTONIC
    std::string stopReason;               // why the core thread ended ("stopped", or an error)
    bool reqWatched = false;              // the REQ index is armed: a host request for the device ends the run
    bool hostRequest = false;             // the run ended because the host asked for the device back (REQ)
    bool deviceLost = false;              // the run ended because the device went away (ENODEV) mid-run
    bool triggerStalled = false;          // the trigger thread stopped making progress (reported as a notice)
    bool triggerAbandoned = false;        // ...and did not end at stop: it was left behind, detached (see CLI)
};

// A one-line message from the core thread about something that happened mid-run (a vector given up on, a
// stalled trigger thread); the CLI prints them as warnings.
struct EngineNotice
{
    std::array<char, 240> text{};
    std::string_view view() const { return {text.data()}; }
};

class Engine
{
public:
    Engine(IrqDevice& device, EngineConfig config);
    ~Engine(); // stop() if still running: every vector is disarmed
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Sets up io_uring, the CPU, scheduling, memory locking and PM QoS, then starts the core thread.
    // Returns a one-line error (what is wrong and what to do) on failure; nothing is armed then.
    std::optional<std::string> start();

    // Queues a command for the core thread; returns its token (0 when the command ring is full).
    // Thread-safe: several controller threads may post.
    uint64_t post(Command command);
    // Waits up to `timeout` for the result of `token`. Results of other tokens seen meanwhile are kept.
    std::optional<CommandResult> waitResult(uint64_t token, std::chrono::milliseconds timeout);
    // post() + waitResult(); a timed-out or unposted command gives an error result.
    CommandResult execute(Command command, std::chrono::milliseconds timeout = std::chrono::seconds(5));

    // Stops triggering, waits up to the deadline for in-flight completions, disarms every vector, joins.
    // Idempotent; also called by the destructor and safe to call after the core thread ended by itself.
    void stop();
    bool running() const;

    IrqDevice& device() { return m_device; }
    const EngineConfig& config() const { return m_config; }
    const VectorSlots& slots() const { return m_slots; }
    const VectorCounters& counters(uint32_t slot) const;
    SpscRing<Sample>& samples() { return *m_samples; }
    EngineStatus status() const;
    // The next mid-run notice, if any (any one consumer thread).
    bool takeNotice(EngineNotice& out);

private:
    IrqDevice& m_device;
    EngineConfig m_config;
    VectorSlots m_slots;
    std::unique_ptr<SpscRing<Sample>> m_samples;
    std::unique_ptr<CoreThread> m_core;
    std::mutex m_postMutex;   // serialises producers of the command ring (the core side is lock-free)
    std::mutex m_resultMutex; // serialises consumers of the result ring
    std::atomic<uint64_t> m_nextToken{1};
    std::vector<CommandResult> m_pendingResults;
};

} // namespace irqscope::core

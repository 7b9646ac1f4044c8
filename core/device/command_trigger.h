// CommandTrigger: a device-raised trigger that is a real command to the device, whose completion the device
// writes to memory by DMA and announces with an interrupt (NVMe: docs/dma-triggers.md). Where a device profile
// raises a vector with register writes, a command trigger owns a little driver: it brings the controller up,
// gives each measured MSI-X vector a queue that completes on it, submits one harmless command per trigger and
// consumes the completions.
//
// Threads and order (the engine keeps them): prepare() on the controller thread before the engine starts;
// setUp()/tearDown() on the core thread after the vector is armed / before it is disarmed (and never while it is
// being fired); submit() on the firing thread (core or trigger thread; per trigger: no allocation, no lock, one
// doorbell write); reap() on the core thread after each completion of the vector; shutdown() on the controller
// thread once the engine has stopped (and from the destructor). Nothing is left enabled or mapped after
// shutdown(), whichever step failed. nextCompletion() and completionVisible() on the delivery poller's thread
// while the engine runs (docs/dma-triggers.md §6): plain reads of memory, no syscall, no allocation, no lock.
#pragma once

#include "base/vector_id.h"

#include <cstdint>
#include <string>

namespace irqscope::core {

class CommandTrigger
{
public:
    virtual ~CommandTrigger() = default;

    virtual const std::string& name() const = 0; // "nvme": shown where a profile name would be
    // Whether it can give this vector a queue (MSI-X vectors up to the controller's queue count).
    virtual bool canRaise(VectorId id) const = 0;

    // Resets the controller and brings it up with its admin queue and DMA memory. "" or one line.
    virtual std::string prepare() = 0;
    // After msix:sub is armed: a completion queue on vector `sub` and its submission queue. "" or one line.
    virtual std::string setUp(uint32_t sub) = 0;
    // Before msix:sub is disarmed: its queues are deleted. Nothing when it has none.
    virtual void tearDown(uint32_t sub) = 0;
    // One command on the vector's queue. 0, or -EBUSY (queue full), -ENODEV (no queue), -errno of the doorbell.
    virtual int submit(uint32_t sub) = 0;
    // Consumes the vector's completions written so far and tells the device (CQ head doorbell). Returns how many
    // of them carried an error status.
    virtual uint32_t reap(uint32_t sub) = 0;
    // Queues deleted, controller disabled (waited for), DMA memory unmapped. Idempotent.
    virtual void shutdown() = 0;
    // Messages its own set-up commands have sent on MSI-X vector 0 since prepare() (NVMe: every admin completion
    // interrupts on vector 0, which vector 0's I/O queue shares). A run waits for them to be counted as the
    // device's own before its first trigger (docs/dma-triggers.md §3).
    virtual uint64_t vectorZeroMessages() const = 0;

    // ---- completion visibility: the delivery poller (docs/dma-triggers.md §6) ----
    // A token naming the vector's next completion in memory (CompletionWatch): it changes whenever reap() consumes
    // completions or setUp() gives the vector a new queue, and is 0 while the vector has no queue. Any thread.
    virtual uint64_t nextCompletion(uint32_t sub) const = 0;
    // Whether the completion `token` names is in memory now: NVMe, its CQ entry carries the expected phase tag;
    // xHCI, a Command Completion event TRB with the consumer cycle bit lies at or after the named TRB. Any thread;
    // reads only (never consumes), so it may be asked while the core thread reaps.
    virtual bool completionVisible(uint32_t sub, uint64_t token) const = 0;
};

} // namespace irqscope::core

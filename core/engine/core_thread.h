// CoreThread: the pinned thread that waits for the armed vectors' eventfd completions on io_uring, timestamps
// them and hands them to the books. This file is its lifecycle and hot loop; the jobs it runs live beside it:
// TriggerBooks (resolving every trigger), TriggerFiring (firing on this thread or entering the trigger thread's
// firings), CommandHandler (commands), VectorArming (the SET_IRQS arm/disarm transaction, INTx unmask),
// PlanPublisher (the trigger plan and the trigger thread), ReqWatch (the host asking for the device back),
// CoreStatus and CoreMessages (what it publishes).
//
// What its loop may do. Per completion and per trigger: no allocation, no lock, no syscall beyond io_uring_enter,
// clock_gettime (vDSO) and the trigger itself (EngineHotPath checks that the thread allocates nothing after
// arming); the one exception is an INTx interrupt, whose line is acked and unmasked (the profile's register
// writes, then a ring write or one SET_IRQS: VectorArming::unmaskIntx). Between waits, when a command arrives: commands
// make SET_IRQS and eventfd syscalls and, when they change the trigger plan, mode or rate, take the status mutex
// (CoreStatus) to publish them; with a trigger thread, a plan change also waits (up to 1 s) for that thread to leave
// the old plan. The status mutex is also taken at setup, at tear-down, when the trigger thread stalls, and when the run
// ends with a reason (the host took the device, the ring failed: a formatted string, which allocates, once per run).
// Never per completion. Other threads take it only in status().
#pragma once

#include "base/vector_id.h"
#include "engine/command.h"
#include "engine/command_handler.h"
#include "engine/completion_ring.h"
#include "engine/core_messages.h"
#include "engine/core_status.h"
#include "engine/cpu_setup.h"
#include "engine/delivery_watch.h"
#include "engine/device_loss.h"
#include "engine/engine.h"
#include "engine/instrument_floor.h"
#include "engine/plan_publisher.h"
#include "engine/req_watch.h"
#include "engine/spsc_ring.h"
#include "engine/trigger_books.h"
#include "engine/trigger_firing.h"
#include "engine/trigger_plan.h"
#include "engine/vector_arming.h"
#include "engine/vector_counters.h"
#include "engine/wake_timer.h"
#include "vfio/irq_device.h"
#include "vfio/irq_set_request.h"

#include <array>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace irqscope::core {

class CoreThread
{
public:
    CoreThread(IrqDevice& device, const EngineConfig& config, const VectorSlots& slots, SpscRing<Sample>& samples);
    ~CoreThread();
    CoreThread(const CoreThread&) = delete;
    CoreThread& operator=(const CoreThread&) = delete;

    // Starts the thread and waits until it is set up; a one-line error if setup failed (the thread has ended).
    std::optional<std::string> start();
    void join();
    bool running() const { return m_status.running(); }

    // Controller side (Engine serialises producers): queue a command and ring the doorbell (one write(2)).
    bool post(const Command& command);
    bool takeResult(CommandResult& out) { return m_messages.takeResult(out); }
    bool takeNotice(EngineNotice& out) { return m_messages.takeNotice(out); }

    // Any thread: lock-free counters; status() takes the status mutex for a copy.
    const VectorCounters& counters(uint32_t slot) const { return m_books.counters(slot); }
    EngineStatus status() const;

    // Used by the trigger thread.
    const TriggerPlan& plan() const { return m_plan.plan(); }
    uint64_t threadResolved(uint32_t slot) const { return m_books.threadResolved(slot); }
    VectorCounters* scheduleCounters() const { return m_books.scheduleCounters(); }
    bool pushTriggerRecord(const TriggerRecord& record) { return m_firing.pushRecord(record); }
    InstrumentFloor& floor() { return m_floor; }                            // the trigger thread signals it
    int fire(uint32_t slot, IrqSetRequest& request, TriggerMode mode) const // 0 or -errno; any thread
    {
        return m_firing.fire(slot, request, mode);
    }

private:
    void run();
    std::optional<std::string> setUp();
    void loop();
    // One io_uring wait (or busy-poll step) and the harvest of what it brought; false if the ring failed.
    bool waitAndHarvest(int64_t nowNs);
    int64_t waitTimeoutNs(int64_t nowNs) const; // until the next firing, deadline scan or stop deadline; -1: none
    void harvest();
    void onVectorCompletion(uint32_t slot, int res, int64_t nowNs);
    // A failed eventfd read: re-arm it, or give the vector up after too many in a row.
    void onReadError(uint32_t slot, int res, int64_t nowNs);
    void tearDown();

    void processCommands(int64_t nowNs);
    void beginStop(int64_t nowNs);
    // The host asked for the device back (REQ), or the device went away (ENODEV): stop at once, disarm.
    void hostTookDevice(int64_t nowNs, bool request, const char* what);
    void checkDeviceLoss(int64_t nowNs);

    IrqDevice& m_device;
    const EngineConfig m_config;
    const VectorSlots m_slots;
    SpscRing<Sample>& m_samples;
    std::array<IrqInfo, kNumPciIrqIndexes> m_irqInfo{};
    const uint32_t m_doorbellFile; // ring files: one per slot, then these three
    const uint32_t m_unmaskFile;
    const uint32_t m_reqFile;
    const uint32_t m_floorFile;

    CompletionRing m_ring;
    CoreStatus m_status;
    CoreMessages m_messages;
    DeviceLoss m_deviceLoss;
    TriggerBooks m_books;
    PlanPublisher m_plan;
    ReqWatch m_reqWatch;
    VectorArming m_arming;
    TriggerFiring m_firing;
    CommandHandler m_handler;
    SpscRing<Command> m_commands{256};
    PmQosGuard m_pmQos; // --pm-qos on the core CPU, restored at tear-down
    InstrumentFloor m_floor;
    WakeTimer m_wakeTimer;    // wakes the blocking wait for what is due next; the wait itself has no timeout
    DeliveryWatch m_delivery; // the delivery poller on another CPU (docs/dma-triggers.md §6)

    int m_doorbell = -1;
    uint64_t m_doorbellBuffer = 0;
    bool m_hostTook = false;
    bool m_stopping = false;
    int64_t m_stopDeadlineNs = 0;
    int64_t m_nextScanNs = 0;
    int64_t m_nextForcedPollNs = 0; // busy-poll: next io_uring_enter made whether or not the kernel flagged work
    int64_t m_scanIntervalNs = 1'000'000;
    uint64_t m_allocationBaseline = 0;

    std::thread m_thread;
    std::mutex m_startMutex;
    std::condition_variable m_startCv;
    bool m_setupDone = false;
    std::optional<std::string> m_setupError;
};

} // namespace irqscope::core

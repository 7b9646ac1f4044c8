// CoreThread: the pinned thread that arms vectors, waits for their eventfd completions on io_uring, timestamps
// them, fires triggers and resolves every trigger as completed, coalesced or missed. Its loop never allocates,
// takes no lock and makes no syscall beyond io_uring_enter, clock_gettime (vDSO) and the trigger itself.
#pragma once

#include "base/vector_id.h"
#include "engine/command.h"
#include "engine/completion_ring.h"
#include "engine/cpu_setup.h"
#include "engine/engine.h"
#include "engine/outstanding_window.h"
#include "engine/spsc_ring.h"
#include "engine/trigger_plan.h"
#include "engine/vector_counters.h"
#include "vfio/irq_device.h"
#include "vfio/irq_set_request.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace irqscope::core {

class TriggerThread;

// What a trigger thread tells the core thread about each firing (pushed before the trigger is fired).
struct TriggerRecord
{
    enum class Kind : uint8_t
    {
        Fired,   // fired at triggerNs
        Failed,  // the firing at triggerNs failed with `error`
        Skipped, // not fired: the vector's outstanding window was full
    };
    uint32_t slot = 0;
    Kind kind = Kind::Fired;
    int32_t error = 0;
    int64_t triggerNs = 0;
};

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
    bool running() const { return m_running.load(std::memory_order_acquire); }

    // Controller side (Engine serialises producers): queue a command and ring the doorbell.
    bool post(const Command& command);
    bool takeResult(CommandResult& out) { return m_results.tryPop(out); }
    bool takeNotice(EngineNotice& out) { return m_notices.tryPop(out); }

    const VectorCounters& counters(uint32_t slot) const { return m_counters[slot]; }
    EngineStatus status() const;

    // Used by the trigger thread.
    const TriggerPlan& plan() const { return m_plan; }
    uint64_t threadResolved(uint32_t slot) const { return m_threadResolved[slot].load(std::memory_order_acquire); }
    bool pushTriggerRecord(const TriggerRecord& record) { return m_triggerRecords.tryPush(record); }
    int fire(uint32_t slot, IrqSetRequest& request, TriggerMode mode); // 0 or -errno; any thread

private:
    struct SlotState
    {
        int eventfd = -1;
        uint32_t generation = 0;
        bool armed = false;
        bool triggering = false;
        bool userMasked = false;
        bool stuckReported = false;
        uint32_t consecutiveMissed = 0;
        uint32_t readErrors = 0;  // consecutive failed eventfd reads
        int64_t unmaskedAtNs = 0; // deadlines of a masked vector restart when it is unmasked
        OutstandingWindow window;
        bool fromThread[OutstandingWindow::kCapacity] = {};
    };

    void run();
    std::optional<std::string> setUp();
    void loop();
    void tearDown();

    // Commands.
    void processCommands(int64_t nowNs);
    void handle(const Command& command, int64_t nowNs);
    void reply(const Command& command, int error, const char* format, ...) __attribute__((format(printf, 4, 5)));
    bool checkRange(const Command& command);
    void arm(const Command& command);
    // `atStop`: the final disarm leaves triggers still in flight counted as in flight, not missed.
    void disarm(const Command& command, bool quiet = false, bool atStop = false);
    void disarmAll();
    void setTriggering(const Command& command, bool on);
    void triggerOnce(const Command& command, int64_t nowNs);
    void maskOrUnmask(const Command& command, bool mask, int64_t nowNs);
    void resetStats();
    void republishPlan(int64_t nowNs);
    void beginStop(int64_t nowNs);
    // The host asked for the device back (REQ), or the device went away (ENODEV): stop at once, disarm.
    void hostTookDevice(int64_t nowNs, bool request, const char* what);
    bool armReqWatch();
    void releaseReqWatch();
    void checkTriggerThread(int64_t nowNs);
    void stopTriggerThread();
    void notice(const char* format, ...) __attribute__((format(printf, 2, 3)));
    void noteDeviceError(int rc, int64_t nowNs, const char* what);

    // Hot path.
    void fireDue(int64_t nowNs);
    bool fireOne(uint32_t slot, int64_t nowNs);
    void drainTriggerRecords();
    void harvest();
    void onVectorCompletion(uint32_t slot, int res, int64_t nowNs);
    void onIntxInterrupt(uint32_t slot, int64_t nowNs);
    void scanDeadlines(int64_t nowNs);
    void resolveMissed(uint32_t slot, int64_t nowNs, int error);
    void resolveFailedHeads(uint32_t slot, int64_t nowNs);
    void noteResolved(uint32_t slot, uint64_t seq);
    void pushSample(const Sample& sample);
    void pushEvent(uint32_t slot, EventCode code, int64_t nowNs, uint64_t detail = 0);
    void setState(uint32_t slot, uint32_t set, uint32_t clear);
    void queueVectorRead(uint32_t slot);
    bool anyOutstanding() const;
    int setIrqsChecked(uint32_t slot, std::span<const std::byte> request, int64_t nowNs);

    IrqDevice& m_device;
    const EngineConfig m_config;
    const VectorSlots m_slots;
    SpscRing<Sample>& m_samples;
    std::array<IrqInfo, kNumPciIrqIndexes> m_irqInfo{};

    std::vector<SlotState> m_state;
    std::unique_ptr<VectorCounters[]> m_counters;
    std::unique_ptr<std::atomic<uint64_t>[]> m_threadResolved;
    std::unique_ptr<uint64_t[]> m_readBuffers; // two per slot, by generation parity
    std::array<uint32_t, kNumPciIrqIndexes> m_armedPerIndex{};
    std::array<uint32_t, kNumPciIrqIndexes> m_enabledCount{}; // start+count of the enabling call (NORESIZE)

    CompletionRing m_ring;
    IrqSetRequest m_request;
    int m_doorbell = -1;
    uint64_t m_doorbellBuffer = 0;
    int m_unmaskEventfd = -1;
    const uint64_t m_one = 1;
    uint32_t m_doorbellFile = 0;
    uint32_t m_unmaskFile = 0;
    uint32_t m_reqFile = 0;
    int m_reqEventfd = -1;
    uint64_t m_reqBuffer = 0;
    bool m_hostTook = false;
    bool m_triggerStallReported = false;

    SpscRing<Command> m_commands{256};
    SpscRing<CommandResult> m_results{256};
    SpscRing<TriggerRecord> m_triggerRecords{1u << 16};
    SpscRing<EngineNotice> m_notices{64};

    // Trigger generation.
    TriggerMode m_mode;
    double m_rateHz;
    PlanView m_planView;
    TriggerPlan m_plan;
    TriggerSchedule m_schedule;
    std::unique_ptr<TriggerThread> m_triggerThread;
    PmQosGuard m_pmQos; // --pm-qos on the core CPU, restored at tear-down

    uint64_t m_outstanding = 0; // triggers in every window: the loop asks each iteration, so no scan of all slots
    bool m_exit = false;
    bool m_stopping = false;
    int64_t m_stopDeadlineNs = 0;
    int64_t m_nextScanNs = 0;
    int64_t m_nextForcedPollNs = 0; // busy-poll: next io_uring_enter made whether or not the kernel flagged work
    int64_t m_scanIntervalNs = 1'000'000;

    // Published status.
    std::atomic<bool> m_running{false};
    std::atomic<uint64_t> m_loops{0};
    std::atomic<uint64_t> m_completions{0};
    std::atomic<uint64_t> m_samplesPushed{0};
    std::atomic<uint64_t> m_allocationsAfterArm{0};
    uint64_t m_allocationBaseline = 0;
    mutable std::mutex m_statusMutex; // guards the strings below (written at setup and at exit only)
    EngineStatus m_staticStatus;

    std::thread m_thread;
    std::mutex m_startMutex;
    std::condition_variable m_startCv;
    bool m_setupDone = false;
    std::optional<std::string> m_setupError;
};

} // namespace irqscope::core

#include "engine/core_thread.h"

#include "base/monotonic_clock.h"
#include "base/privileges.h"
#include "device/command_trigger.h"
#include "engine/alloc_probe.h"
#include "engine/cpu_setup.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <sys/eventfd.h>
#include <unistd.h>

namespace irqscope::core {

namespace {

constexpr uint32_t kHarvestBatch = 256;
constexpr int64_t kMaxStopDrainNs = 500'000'000;
// A vector whose eventfd reads fail this many times in a row is given up on (disarmed), so that a read that
// fails at once every time cannot spin the loop.
constexpr uint32_t kMaxConsecutiveReadErrors = 8;
// Waits shorter than this carry their own timeout; longer ones (the floor, scans, a passive run) rely on the armed
// WakeTimer, so a completion's wake cancels no timer.
constexpr int64_t kShortWaitNs = 1'000'000;

std::array<IrqInfo, kNumPciIrqIndexes> readIrqInfo(IrqDevice& device)
{
    std::array<IrqInfo, kNumPciIrqIndexes> all{};
    for (uint32_t i = 0; i < kNumPciIrqIndexes; ++i) {
        IrqInfo info;
        if (device.irqInfo(i, info) == 0)
            all[i] = info;
    }
    return all;
}

} // namespace

CoreThread::CoreThread(IrqDevice& device, const EngineConfig& config, const VectorSlots& slots,
                       SpscRing<Sample>& samples)
    : m_device(device)
    , m_config(config)
    , m_slots(slots)
    , m_samples(samples)
    , m_irqInfo(readIrqInfo(device))
    , m_doorbellFile(slots.size())
    , m_unmaskFile(slots.size() + 1)
    , m_reqFile(slots.size() + 2)
    , m_floorFile(slots.size() + 3)
    , m_books(m_slots.size(), samples)
    , m_plan(m_config, m_books, m_status, m_messages)
    , m_reqWatch(device, m_irqInfo[static_cast<uint32_t>(IrqIndex::Req)], m_slots, m_ring, m_reqFile, m_messages)
    , m_arming(device, m_config, m_slots, m_irqInfo, m_ring, m_unmaskFile, m_books, m_plan, m_messages, m_reqWatch,
               m_deviceLoss)
    , m_firing(device, m_config, m_slots, m_books, m_arming, m_plan, m_deviceLoss)
    , m_handler(device, m_config, m_slots, m_irqInfo, m_books, m_arming, m_firing, m_plan, m_messages)
    , m_delivery(slots.size())
{
    m_scanIntervalNs = std::clamp<int64_t>(config.deadline.count() / 4, 100'000, 1'000'000);
    // The doorbell lives as long as this object, so post() can ring it whether or not the thread still runs.
    m_doorbell = eventfd(0, EFD_CLOEXEC);
}

CoreThread::~CoreThread()
{
    join();
    if (m_doorbell >= 0)
        close(m_doorbell);
}

std::optional<std::string> CoreThread::start()
{
    m_thread = std::thread([this] { run(); });
    std::unique_lock lock(m_startMutex);
    m_startCv.wait(lock, [this] { return m_setupDone; });
    if (m_setupError) {
        lock.unlock();
        join();
    }
    return m_setupError;
}

void CoreThread::join()
{
    if (m_thread.joinable())
        m_thread.join();
}

bool CoreThread::post(const Command& command)
{
    if (!m_commands.tryPush(command))
        return false;
    const uint64_t one = 1;
    if (m_doorbell >= 0)
        (void)!write(m_doorbell, &one, sizeof one);
    return true;
}

EngineStatus CoreThread::status() const
{
    EngineStatus s = m_status.read();
    s.samplesPushed = m_books.samplesPushed();
    s.ringDrops = m_samples.dropped();
    s.floorSamples = m_floor.samples();
    return s;
}

void CoreThread::run()
{
    auto error = setUp();
    {
        std::lock_guard lock(m_startMutex);
        m_setupError = error;
        m_setupDone = true;
        if (!error)
            m_status.setRunning(true);
    }
    m_startCv.notify_all();
    if (error) {
        tearDown();
        return;
    }
    loop();
    tearDown();
    m_status.setRunning(false);
}

std::optional<std::string> CoreThread::setUp()
{
    EngineStatus st;
    const int cpu = m_config.coreCpu >= 0 ? m_config.coreCpu : (allowedCpus().empty() ? 0 : allowedCpus().front());
    if (auto err = pinCurrentThread(cpu))
        return "--cpu: " + *err;
    st.coreCpu = cpu;
    if (m_config.pmQos) {
        if (auto err = m_pmQos.apply(cpu))
            return "--pm-qos: " + *err;
    }
    if (auto err = coreConfigRefusal(m_config))
        return err;
    if (m_config.mlock) {
        if (auto err = lockAllMemory())
            return *err;
        st.mlocked = true;
    }
    // The ring is created before SCHED_FIFO, as the latency floor notes advise for io_uring helper threads.
    const uint32_t files = m_slots.size() + 4;
    const uint32_t entries = std::bit_ceil(std::clamp<uint32_t>(m_slots.size() + 16, 64, 4096));
    if (auto err = m_ring.init(entries, files))
        return *err;
    if (m_config.fifoPriority > 0) {
        if (auto err = setFifo(m_config.fifoPriority))
            return "--fifo: " + *err;
    }
    st.policy = currentPolicy();
    if (m_doorbell < 0)
        return "cannot create an eventfd: raise `ulimit -n`";
    if (const int rc = m_ring.setFile(m_doorbellFile, m_doorbell); rc < 0)
        return fmt::format("io_uring cannot register the doorbell eventfd: {}", std::strerror(-rc));
    m_ring.queueRead(m_doorbellFile, &m_doorbellBuffer, CqeTag::encode(CqeKind::DoorbellRead, 0, 0));
    st.reqWatched = m_reqWatch.arm();
    if (auto err = m_floor.open(m_ring, m_floorFile, monotonicNs()))
        return err;
    m_ring.submit();

    st.triggerCpu = m_config.triggerCpu;
    st.pmQos = m_config.pmQos;
    st.triggerMode = m_plan.mode();
    st.rateHz = m_plan.rateHz();
    st.startedNs = monotonicNs();
    m_status.edit([&](EngineStatus& s) { s = st; });
    // Everything privileged is done (SCHED_FIFO, mlockall, the ring); the trigger thread started below inherits
    // the reduced sets.
    if (m_config.dropCapabilities) {
        if (auto err = dropCapabilities(m_config.keepCapabilities))
            return *err;
    }
    if (auto err = m_plan.startTriggerThread(*this, m_slots))
        return err;
    // After the capabilities were dropped: the poller inherits the reduced sets. Without a second CPU the run
    // goes on without delivery latency, and the status says why.
    if (auto err = m_delivery.start(m_config, m_slots, cpu))
        return err;
    m_status.edit([&](EngineStatus& s) {
        s.pollerCpu = m_delivery.pollerCpu();
        s.deliveryNote = m_delivery.note();
    });
    // Everything the loop needs exists now; from here on the thread must not allocate.
    m_allocationBaseline = threadAllocations();
    return std::nullopt;
}

void CoreThread::loop()
{
    for (;;) {
        const int64_t now = monotonicNs();
        processCommands(now);
        m_firing.drainRecords();
        if (!m_stopping && !m_plan.hasTriggerThread()) {
            m_firing.fireDue(now);
            // After the vectors' firings, in a gap of their traffic (a trigger outstanding is not a gap).
            // The loop's `now` decides whether it is due (signalIfDue stamps the signal itself): no second clock
            // read per loop turn.
            m_floor.signalIfDue(now, m_books.outstanding() != 0);
        }
        if (now >= m_nextScanNs) {
            m_books.scanDeadlines(now, m_config.deadline.count());
            m_plan.superviseTriggerThread(now);
            m_nextScanNs = now + m_scanIntervalNs;
        }
        checkDeviceLoss(now);
        if (m_stopping && (m_books.outstanding() == 0 || now >= m_stopDeadlineNs))
            break;
        if (!waitAndHarvest(now))
            break;
        if (allocationHookInstalled())
            m_status.setAllocationsAfterArm(threadAllocations() - m_allocationBaseline);
    }
}

bool CoreThread::waitAndHarvest(int64_t now)
{
    int rc = 0;
    if (m_config.busyPoll) {
        // Never sleeps in the kernel: the completion work is run by this thread as soon as the kernel flags it,
        // and once per scan interval in any case (a kernel that does not flag it is detected there).
        const bool force = now >= m_nextForcedPollNs;
        rc = m_ring.poll(force);
        if (force)
            m_nextForcedPollNs = now + m_scanIntervalNs;
    } else {
        const int64_t timeout = waitTimeoutNs(now);
        if (timeout == 0) {
            rc = m_ring.poll(true); // something is due now: run the completion work there is, never sleep
        } else if (timeout > 0 && timeout < kShortWaitNs) {
            // A firing due soon (loopback fired by this thread): a timer would be armed per firing anyway, and the
            // wait's own timeout measured faster there (docs/benchmarks.md, "One armed timer ...").
            rc = m_ring.waitAndSubmit(timeout);
        } else if (timeout < 0 || m_wakeTimer.wakeBy(m_ring, now + timeout)) {
            // The wait itself has no timeout: the armed timer wakes the thread (engine/wake_timer.h says why).
            rc = m_ring.waitAndSubmit(-1);
        } else {
            rc = m_ring.waitAndSubmit(timeout); // no SQ entry for the timer: the timed wait still works
        }
    }
    m_status.countLoop();
    if (rc < 0) {
        m_status.edit([&](EngineStatus& s) {
            s.stopReason =
                fmt::format("io_uring {} failed: {}", m_config.busyPoll ? "poll" : "wait", std::strerror(-rc));
        });
        return false;
    }
    if (rc > 0 || !m_config.busyPoll)
        harvest();
    return true;
}

int64_t CoreThread::waitTimeoutNs(int64_t now) const
{
    int64_t timeout = -1; // none: only a completion or a command wakes the thread
    auto until = [&](int64_t when) {
        const int64_t t = std::max<int64_t>(0, when - now);
        timeout = timeout < 0 ? t : std::min(timeout, t);
    };
    if (!m_stopping && !m_plan.hasTriggerThread() && m_plan.schedule().active() && m_plan.view().count)
        until(m_plan.schedule().nextDueNs());
    if (!m_stopping && !m_plan.hasTriggerThread()) {
        if (const int64_t floorNs = m_floor.wakeAtNs(m_books.outstanding() != 0); floorNs >= 0)
            until(floorNs);
    }
    if (m_plan.hasTriggerThread() || m_books.outstanding() != 0)
        until(m_nextScanNs);
    if (m_stopping)
        until(std::min(m_stopDeadlineNs, m_nextScanNs));
    return timeout;
}

void CoreThread::harvest()
{
    io_uring_cqe* batch[kHarvestBatch];
    // Trigger records are pushed before their triggers fire, so draining them first means every completion
    // below finds its trigger in the window.
    m_firing.drainRecords();
    for (;;) {
        const unsigned n = m_ring.peekBatch(batch, kHarvestBatch);
        if (n == 0)
            break;
        // One stamp per batch, taken once the batch is visible: every CQE in it was posted before this instant,
        // so it bounds each completion from above without the decode work of the CQEs before it.
        const int64_t batchNs = monotonicNs();
        for (unsigned i = 0; i < n; ++i) {
            const CqeTag tag = CqeTag::decode(io_uring_cqe_get_data64(batch[i]));
            const int res = batch[i]->res;
            switch (tag.kind) {
            case CqeKind::VectorRead:
                if (tag.slot < m_slots.size() && m_arming.isCurrent(tag.slot, tag.generation))
                    onVectorCompletion(tag.slot, res, batchNs);
                break;
            case CqeKind::DoorbellRead:
                m_ring.queueRead(m_doorbellFile, &m_doorbellBuffer, CqeTag::encode(CqeKind::DoorbellRead, 0, 0));
                break;
            case CqeKind::UnmaskWrite:
                if (res < 0 && tag.slot < m_slots.size())
                    m_books.countError(tag.slot, -res, batchNs, false);
                break;
            case CqeKind::FloorRead:
                m_floor.onCompletion(res, batchNs, m_books);
                break;
            case CqeKind::ReqRead:
                if (m_reqWatch.onCompletion(res))
                    hostTookDevice(monotonicNs(), true, "VFIO REQ");
                break;
            case CqeKind::WakeTimer:
                m_wakeTimer.onExpired(tag.generation);
                break;
            case CqeKind::WakeTimerUpdate:
                if (res < 0)
                    m_wakeTimer.onUpdateFailed(tag.generation);
                break;
            case CqeKind::Cancel:
                break;
            }
        }
        m_ring.advance(n);
        if (n < kHarvestBatch)
            break;
    }
}

void CoreThread::onVectorCompletion(uint32_t slot, int res, int64_t nowNs)
{
    if (res != static_cast<int>(sizeof(uint64_t))) {
        if (res != -ECANCELED)
            onReadError(slot, res, nowNs);
        return;
    }
    m_arming.noteReadOk(slot);
    m_status.countCompletion();
    const uint64_t unsolicited = m_books.resolveCompletion(slot, m_arming.readCount(slot), nowNs,
                                                           m_delivery.mark(slot, m_slots.id(slot).sub, m_plan.mode()));
    m_arming.queueRead(slot);
    if (m_config.commandTrigger && m_plan.mode() == TriggerMode::Device && m_slots.id(slot).index == IrqIndex::Msix) {
        // Consume the completions so the queue never fills; one that carries an error status is an error of the
        // vector (the trigger itself still completed: its interrupt came).
        if (const uint32_t failed = m_config.commandTrigger->reap(m_slots.id(slot).sub); failed > 0)
            m_books.countError(slot, EIO, nowNs);
    }

    // A device-raised INTx leaves the line automasked (docs/kernel-vfio-irq.md §2.4); a loopback one does not (§2.3).
    if (m_slots.id(slot).index == IrqIndex::Intx && (m_plan.mode() == TriggerMode::Device || unsolicited)) {
        if (m_books.userMasked(slot))
            m_books.setState(slot, vstate::kAutomasked, 0);
        else
            m_arming.unmaskIntx(slot, nowNs);
    }
}

void CoreThread::onReadError(uint32_t slot, int res, int64_t nowNs)
{
    // Count it and re-arm, so one bad read does not silence the vector; a read that keeps failing gives the
    // vector up (disarmed, its outstanding triggers missed) instead of spinning.
    const int err = res < 0 ? -res : EIO;
    m_books.countError(slot, err, nowNs);
    const uint32_t inARow = m_arming.noteReadError(slot);
    if (inARow < kMaxConsecutiveReadErrors) {
        m_arming.queueRead(slot);
        return;
    }
    const VectorId id = m_slots.id(slot);
    const auto name = irqIndexName(id.index);
    m_messages.notice("%.*s:%u: reading its eventfd failed %u times in a row (%s: %s): vector disarmed, its "
                      "outstanding triggers counted missed",
                      int(name.size()), name.data(), id.sub, inARow, errnoName(err), errnoText(err));
    Command one;
    one.kind = CommandKind::Disarm;
    one.index = id.index;
    one.start = id.sub;
    one.count = 1;
    m_arming.disarm(one, true);
}

void CoreThread::processCommands(int64_t nowNs)
{
    Command command;
    while (m_commands.tryPop(command)) {
        if (m_handler.handle(command, nowNs)) {
            beginStop(nowNs);
            m_messages.reply(command, 0, "stopping");
        }
    }
}

void CoreThread::beginStop(int64_t nowNs)
{
    if (m_stopping)
        return;
    m_stopping = true;
    m_plan.stopFiring(nowNs);
    m_floor.stop();
    // Wait for in-flight completions up to the deadline (at most 0.5 s), then whatever is left stays in flight.
    m_stopDeadlineNs = nowNs + std::min<int64_t>(m_config.deadline.count(), kMaxStopDrainNs);
}

void CoreThread::checkDeviceLoss(int64_t nowNs)
{
    // ENODEV from the device: it was removed or reclaimed under us (vfio-pci answers so once the device is gone).
    if (m_deviceLoss.noticed())
        hostTookDevice(nowNs, false, m_deviceLoss.what());
}

void CoreThread::hostTookDevice(int64_t nowNs, bool request, const char* what)
{
    if (m_hostTook)
        return;
    m_hostTook = true;
    m_status.edit([&](EngineStatus& s) {
        if (request) {
            s.hostRequest = true;
            s.stopReason = "the host asked for the device back (VFIO REQ interrupt)";
        } else {
            s.deviceLost = true;
            s.stopReason = fmt::format("the device went away mid-run ({} failed with ENODEV)", what);
        }
    });
    beginStop(nowNs);
    // No drain: the host wants the device now, or nothing more can complete. Triggers still outstanding stay
    // counted as in flight at stop, so the books still balance.
    m_stopDeadlineNs = nowNs;
}

void CoreThread::tearDown()
{
    // The trigger thread ends before any vector is torn down, so no trigger reaches a vector being disarmed.
    m_plan.stopTriggerThread();
    m_delivery.stop(); // the stamps it published still pair with what harvest() below reads
    m_firing.drainRecords();
    if (m_ring.valid()) {
        harvest();
        m_arming.disarmAll();
    }
    checkDeviceLoss(monotonicNs());
    m_reqWatch.release();
    m_pmQos.restore();
    m_status.edit([](EngineStatus& s) {
        if (s.stopReason.empty())
            s.stopReason = "stopped";
    });
}

} // namespace irqscope::core

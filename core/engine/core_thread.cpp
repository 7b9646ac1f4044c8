#include "engine/core_thread.h"

#include "base/monotonic_clock.h"
#include "base/privileges.h"
#include "engine/alloc_probe.h"
#include "engine/cpu_setup.h"
#include "engine/trigger_thread.h"
#include "profile/device_profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <sys/eventfd.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace irqscope::core {

namespace {

constexpr uint32_t kHarvestBatch = 256;
constexpr uint32_t kStuckAfterMisses = 3;
constexpr int64_t kMaxStopDrainNs = 500'000'000;
// A vector whose eventfd reads fail this many times in a row is given up on (disarmed), so that a read that
// fails at once every time cannot spin the loop.
constexpr uint32_t kMaxConsecutiveReadErrors = 8;
// The trigger thread iterates at least every millisecond; this long without an iteration means it is stalled.
constexpr int64_t kTriggerStallNs = 1'000'000'000;
constexpr uint32_t kReqIndex = static_cast<uint32_t>(IrqIndex::Req);

const char* errnoName(int err)
{
    const char* name = strerrorname_np(err);
    return name ? name : "?";
}

const char* errnoText(int err)
{
    const char* text = strerrordesc_np(err);
    return text ? text : "unknown error";
}

bool isMsiLike(IrqIndex index)
{
    return index == IrqIndex::Msi || index == IrqIndex::Msix;
}

// INTx, MSI and MSI-X exclude each other: the kernel allows one interrupt type at a time
// (docs/kernel-vfio-irq.md §2.5).
bool isExclusiveType(IrqIndex index)
{
    return index == IrqIndex::Intx || isMsiLike(index);
}

} // namespace

CoreThread::CoreThread(IrqDevice& device, const EngineConfig& config, const VectorSlots& slots,
                       SpscRing<Sample>& samples)
    : m_device(device)
    , m_config(config)
    , m_slots(slots)
    , m_samples(samples)
    , m_state(slots.size())
    , m_counters(std::make_unique<VectorCounters[]>(slots.size() ? slots.size() : 1))
    , m_threadResolved(std::make_unique<std::atomic<uint64_t>[]>(slots.size() ? slots.size() : 1))
    , m_readBuffers(std::make_unique<uint64_t[]>(2 * (slots.size() ? slots.size() : 1)))
    , m_mode(config.triggerMode)
    , m_rateHz(config.rateHz)
{
    for (uint32_t i = 0; i < kNumPciIrqIndexes; ++i) {
        IrqInfo info;
        if (m_device.irqInfo(i, info) == 0)
            m_irqInfo[i] = info;
    }
    m_doorbellFile = slots.size();
    m_unmaskFile = slots.size() + 1;
    m_reqFile = slots.size() + 2;
    const int64_t deadline = config.deadline.count();
    m_scanIntervalNs = std::clamp<int64_t>(deadline / 4, 100'000, 1'000'000);
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
    EngineStatus s;
    {
        std::lock_guard lock(m_statusMutex);
        s = m_staticStatus;
    }
    s.running = m_running.load(std::memory_order_acquire);
    s.loops = m_loops.load(std::memory_order_relaxed);
    s.completions = m_completions.load(std::memory_order_relaxed);
    s.samplesPushed = m_samplesPushed.load(std::memory_order_relaxed);
    s.ringDrops = m_samples.dropped();
    s.coreAllocationsAfterArm = m_allocationsAfterArm.load(std::memory_order_relaxed);
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
            m_running.store(true, std::memory_order_release);
    }
    m_startCv.notify_all();
    if (error) {
        tearDown();
        return;
    }
    loop();
    tearDown();
    m_running.store(false, std::memory_order_release);
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
    if (m_config.triggerCpu >= 0) {
        const auto allowed = allowedCpus();
        if (std::find(allowed.begin(), allowed.end(), m_config.triggerCpu) == allowed.end())
            return fmt::format("--trigger-cpu: CPU {} is not in this process's allowed CPUs", m_config.triggerCpu);
    }
    if (m_config.maxOutstanding == 0 || m_config.maxOutstanding > OutstandingWindow::kCapacity)
        return fmt::format("max outstanding triggers per vector must be 1..{}", OutstandingWindow::kCapacity);
    if (m_config.triggerMode == TriggerMode::Device && !m_config.profile)
        return "--trigger device needs a device profile that says how to raise the vectors";
    if (m_config.busyPoll) {
        if (auto err = busyPollRefusal(m_config.fifoPriority, readRtRuntimeUs()))
            return *err;
    }
    if (m_config.mlock) {
        if (auto err = lockAllMemory())
            return *err;
        st.mlocked = true;
    }
    // The ring is created before SCHED_FIFO, as the latency floor notes advise for io_uring helper threads.
    const uint32_t files = m_slots.size() + 3;
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
    st.reqWatched = armReqWatch();
    m_ring.submit();

    st.triggerCpu = m_config.triggerCpu;
    st.pmQos = m_config.pmQos;
    st.triggerMode = m_mode;
    st.rateHz = m_rateHz;
    st.startedNs = monotonicNs();
    st.stopReason.clear();
    {
        std::lock_guard lock(m_statusMutex);
        m_staticStatus = st;
    }
    // Everything privileged is done (SCHED_FIFO, mlockall, the ring); the trigger thread started below inherits
    // the reduced sets.
    if (m_config.dropCapabilities) {
        if (auto err = dropCapabilities(m_config.keepCapabilities))
            return *err;
    }
    if (m_config.triggerCpu >= 0) {
        m_triggerThread = std::make_unique<TriggerThread>(*this, m_slots, m_config);
        if (auto err = m_triggerThread->start())
            return "--trigger-cpu: " + *err;
    }
    m_planView.count = 0;
    m_planView.rateHz = m_rateHz;
    m_planView.mode = m_mode;
    // Everything the loop needs exists now; from here on the thread must not allocate.
    m_allocationBaseline = threadAllocations();
    return std::nullopt;
}

void CoreThread::loop()
{
    while (!m_exit) {
        int64_t now = monotonicNs();
        processCommands(now);
        drainTriggerRecords();
        if (!m_stopping && !m_triggerThread)
            fireDue(now);
        if (now >= m_nextScanNs) {
            scanDeadlines(now);
            checkTriggerThread(now);
            m_nextScanNs = now + m_scanIntervalNs;
        }
        if (m_stopping && (!anyOutstanding() || now >= m_stopDeadlineNs)) {
            m_exit = true;
            break;
        }

        if (m_config.busyPoll) {
            // Never sleeps in the kernel: the completion work is run by this thread as soon as the kernel flags
            // it, and once per scan interval in any case (a kernel that does not flag it is detected there).
            const int rc = m_ring.poll(now >= m_nextForcedPollNs);
            if (now >= m_nextForcedPollNs)
                m_nextForcedPollNs = now + m_scanIntervalNs;
            m_loops.store(m_loops.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
            if (rc < 0) {
                std::lock_guard lock(m_statusMutex);
                m_staticStatus.stopReason = fmt::format("io_uring poll failed: {}", std::strerror(-rc));
                break;
            }
            if (rc > 0)
                harvest();
            if (allocationHookInstalled())
                m_allocationsAfterArm.store(threadAllocations() - m_allocationBaseline, std::memory_order_relaxed);
            continue;
        }

        int64_t timeout = -1;
        auto until = [&](int64_t when) {
            const int64_t t = std::max<int64_t>(0, when - now);
            timeout = timeout < 0 ? t : std::min(timeout, t);
        };
        if (!m_stopping && !m_triggerThread && m_schedule.active() && m_planView.count)
            until(m_schedule.nextDueNs());
        if (m_triggerThread || anyOutstanding())
            until(m_nextScanNs);
        if (m_stopping)
            until(std::min(m_stopDeadlineNs, m_nextScanNs));

        const int rc = m_ring.waitAndSubmit(timeout);
        m_loops.store(m_loops.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        if (rc < 0) {
            std::lock_guard lock(m_statusMutex);
            m_staticStatus.stopReason = fmt::format("io_uring wait failed: {}", std::strerror(-rc));
            break;
        }
        harvest();
        if (allocationHookInstalled())
            m_allocationsAfterArm.store(threadAllocations() - m_allocationBaseline, std::memory_order_relaxed);
    }
}

void CoreThread::harvest()
{
    io_uring_cqe* batch[kHarvestBatch];
    // Trigger records are pushed before their triggers fire, so draining them first means every completion
    // below finds its trigger in the window.
    drainTriggerRecords();
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
                if (tag.slot < m_state.size() && tag.generation == (m_state[tag.slot].generation & 0xffffff) &&
                    m_state[tag.slot].armed)
                    onVectorCompletion(tag.slot, res, batchNs);
                break;
            case CqeKind::DoorbellRead:
                m_ring.queueRead(m_doorbellFile, &m_doorbellBuffer, CqeTag::encode(CqeKind::DoorbellRead, 0, 0));
                break;
            case CqeKind::UnmaskWrite:
                if (res < 0 && tag.slot < m_state.size()) {
                    VectorCounters::bump(m_counters[tag.slot].errors);
                    pushEvent(tag.slot, EventCode::Error, batchNs, static_cast<uint64_t>(-res));
                }
                break;
            case CqeKind::ReqRead:
                if (res == static_cast<int>(sizeof(uint64_t))) {
                    hostTookDevice(monotonicNs(), true, "VFIO REQ");
                } else if (res != -ECANCELED && m_reqEventfd >= 0) {
                    notice("reading the REQ eventfd failed (%s): a host request for the device will not be noticed",
                           errnoName(-res));
                }
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
    SlotState& s = m_state[slot];
    VectorCounters& c = m_counters[slot];
    if (res != static_cast<int>(sizeof(uint64_t))) {
        if (res == -ECANCELED)
            return;
        // A failed eventfd read: count it and re-arm, so one bad read does not silence the vector; a read that
        // keeps failing gives the vector up (disarmed, its outstanding triggers missed) instead of spinning.
        const int err = res < 0 ? -res : EIO;
        VectorCounters::bump(c.errors);
        c.lastErrno.store(err, std::memory_order_relaxed);
        pushEvent(slot, EventCode::Error, nowNs, static_cast<uint64_t>(err));
        if (++s.readErrors < kMaxConsecutiveReadErrors) {
            queueVectorRead(slot);
            return;
        }
        const VectorId id = m_slots.id(slot);
        const auto name = irqIndexName(id.index);
        notice("%.*s:%u: reading its eventfd failed %u times in a row (%s: %s): vector disarmed, its outstanding "
               "triggers counted missed",
               int(name.size()), name.data(), id.sub, s.readErrors, errnoName(err), errnoText(err));
        Command c2;
        c2.kind = CommandKind::Disarm;
        c2.index = id.index;
        c2.start = id.sub;
        c2.count = 1;
        disarm(c2, true);
        return;
    }
    s.readErrors = 0;
    m_completions.store(m_completions.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    uint64_t remaining = m_readBuffers[2 * slot + (s.generation & 1)];
    c.lastCompletionNs.store(nowNs, std::memory_order_relaxed);

    resolveFailedHeads(slot, nowNs);
    if (remaining && !s.window.empty()) {
        const auto& head = s.window.head();
        Sample sample;
        sample.slot = slot;
        sample.kind = SampleKind::Completion;
        sample.value = remaining;
        sample.triggerNs = head.triggerNs;
        sample.completionNs = nowNs;
        sample.seq = s.window.headSeq();
        noteResolved(slot, s.window.headSeq());
        s.window.pop();
        --m_outstanding;
        VectorCounters::bump(c.completed);
        pushSample(sample);
        --remaining;
        // The eventfd counter summed several signals: each further outstanding trigger was coalesced into this
        // completion (its own latency is unknown, so it gets no sample).
        while (remaining && !s.window.empty()) {
            resolveFailedHeads(slot, nowNs);
            if (s.window.empty())
                break;
            noteResolved(slot, s.window.headSeq());
            s.window.pop();
            --m_outstanding;
            VectorCounters::bump(c.coalesced);
            --remaining;
        }
        if (s.consecutiveMissed || s.stuckReported) {
            s.consecutiveMissed = 0;
            s.stuckReported = false;
            setState(slot, 0, vstate::kStuck);
        }
    }
    const uint64_t unsolicited = remaining;
    if (unsolicited) {
        // No trigger outstanding: spurious while irqscope triggers this vector, the device's own otherwise.
        VectorCounters::bump(s.triggering ? c.spurious : c.deviceOriginated, unsolicited);
        Sample sample;
        sample.slot = slot;
        sample.kind = SampleKind::Unsolicited;
        sample.value = unsolicited;
        sample.completionNs = nowNs;
        pushSample(sample);
    }
    if (s.window.empty())
        setState(slot, 0, vstate::kPending);
    queueVectorRead(slot);

    // A device-raised INTx leaves the line automasked (docs/kernel-vfio-irq.md §2.4); a loopback one does not (§2.3).
    if (m_slots.id(slot).index == IrqIndex::Intx && (m_mode == TriggerMode::Device || unsolicited))
        onIntxInterrupt(slot, nowNs);
}

void CoreThread::onIntxInterrupt(uint32_t slot, int64_t nowNs)
{
    SlotState& s = m_state[slot];
    if (s.userMasked) {
        setState(slot, vstate::kAutomasked, 0);
        return;
    }
    // Ack the device's cause first, or the UNMASK finds the line still asserted and the kernel signals again
    // (docs/kernel-vfio-irq.md §2.4, §6.5).
    if (m_config.profile) {
        for (const auto& w : m_config.profile->recipe(IrqIndex::Intx).ack) {
            if (const int rc = m_device.regionWrite32(w.region, w.offset, w.valueFor(0)); rc < 0) {
                VectorCounters::bump(m_counters[slot].errors);
                m_counters[slot].lastErrno.store(-rc, std::memory_order_relaxed);
                pushEvent(slot, EventCode::Error, nowNs, static_cast<uint64_t>(-rc));
                noteDeviceError(rc, nowNs, "an INTx ack");
            }
        }
    }
    if (m_unmaskEventfd >= 0) {
        m_ring.queueWrite(m_unmaskFile, &m_one, CqeTag::encode(CqeKind::UnmaskWrite, 0, slot));
    } else {
        setIrqsChecked(slot, m_request.unmask(static_cast<uint32_t>(IrqIndex::Intx)), nowNs);
    }
    VectorCounters::bump(m_counters[slot].unmasks);
    s.unmaskedAtNs = nowNs;
}

void CoreThread::resolveFailedHeads(uint32_t slot, int64_t nowNs)
{
    SlotState& s = m_state[slot];
    while (!s.window.empty() && s.window.head().failed)
        resolveMissed(slot, nowNs, ECOMM);
}

void CoreThread::resolveMissed(uint32_t slot, int64_t nowNs, int error)
{
    SlotState& s = m_state[slot];
    Sample sample;
    sample.slot = slot;
    sample.kind = SampleKind::Missed;
    sample.triggerNs = s.window.head().triggerNs;
    sample.completionNs = nowNs;
    sample.seq = s.window.headSeq();
    sample.value = static_cast<uint64_t>(error);
    noteResolved(slot, s.window.headSeq());
    s.window.pop();
    --m_outstanding;
    VectorCounters::bump(m_counters[slot].missed);
    pushSample(sample);
    if (error == ETIME && ++s.consecutiveMissed >= kStuckAfterMisses && !s.userMasked && !s.stuckReported) {
        s.stuckReported = true;
        setState(slot, vstate::kStuck, 0);
        pushEvent(slot, EventCode::StuckMask, nowNs);
    }
}

void CoreThread::noteResolved(uint32_t slot, uint64_t seq)
{
    SlotState& s = m_state[slot];
    if (s.fromThread[seq & (OutstandingWindow::kCapacity - 1)])
        m_threadResolved[slot].store(m_threadResolved[slot].load(std::memory_order_relaxed) + 1,
                                     std::memory_order_release);
}

void CoreThread::scanDeadlines(int64_t nowNs)
{
    const int64_t deadline = m_config.deadline.count();
    for (uint32_t slot = 0; slot < m_state.size(); ++slot) {
        SlotState& s = m_state[slot];
        if (s.window.empty())
            continue;
        resolveFailedHeads(slot, nowNs);
        if (s.userMasked)
            continue; // held by the mask: delivered on unmask (docs/kernel-vfio-irq.md §2.4)
        while (!s.window.empty() && nowNs - std::max(s.window.head().triggerNs, s.unmaskedAtNs) > deadline) {
            resolveMissed(slot, nowNs, ETIME);
            resolveFailedHeads(slot, nowNs);
        }
        if (s.window.empty())
            setState(slot, 0, vstate::kPending);
    }
}

bool CoreThread::anyOutstanding() const
{
    return m_outstanding != 0;
}

void CoreThread::fireDue(int64_t nowNs)
{
    if (!m_schedule.active() || m_planView.count == 0)
        return;
    uint32_t fired = 0;
    while (m_schedule.nextDueNs() <= nowNs && fired < m_planView.count) {
        const uint32_t position = m_schedule.take(nowNs);
        if (position < m_planView.count)
            fireOne(m_planView.slots[position], monotonicNs());
        ++fired;
    }
}

bool CoreThread::fireOne(uint32_t slot, int64_t nowNs)
{
    SlotState& s = m_state[slot];
    VectorCounters& c = m_counters[slot];
    // Traps 1 and 2 (docs/kernel-vfio-irq.md §3): only vectors in irqscope's own armed map are fired, never
    // one whose trigger eventfd it has not set; the kernel's 0 for an unconfigured MSI/MSI-X vector, or for an
    // INTx with no trigger, would otherwise read as "signalled".
    if (!s.armed)
        return false;
    const bool intxDevice = m_slots.id(slot).index == IrqIndex::Intx && m_mode == TriggerMode::Device;
    if (s.window.size() >= m_config.maxOutstanding || (intxDevice && !s.window.empty())) {
        VectorCounters::bump(c.skipped);
        return false;
    }
    const uint64_t seq = s.window.push(nowNs);
    ++m_outstanding;
    s.fromThread[seq & (OutstandingWindow::kCapacity - 1)] = false;
    VectorCounters::bump(c.triggered);
    if (s.userMasked)
        setState(slot, vstate::kPending, 0);
    const int rc = fire(slot, m_request, m_mode);
    if (rc < 0) {
        s.window.markFailed(seq);
        VectorCounters::bump(c.errors);
        c.lastErrno.store(-rc, std::memory_order_relaxed);
        pushEvent(slot, EventCode::Error, nowNs, static_cast<uint64_t>(-rc));
        resolveFailedHeads(slot, nowNs);
        noteDeviceError(rc, nowNs, "a trigger");
        return false;
    }
    return true;
}

int CoreThread::fire(uint32_t slot, IrqSetRequest& request, TriggerMode mode)
{
    const VectorId id = m_slots.id(slot);
    if (mode == TriggerMode::Loopback) {
        // DATA_NONE|ACTION_TRIGGER on one vector (docs/kernel-vfio-irq.md §1.3).
        const int rc = m_device.setIrqs(request.loopback(static_cast<uint32_t>(id.index), id.sub));
        return rc > 0 ? -EIO : rc;
    }
    if (mode == TriggerMode::Device && m_config.profile) {
        const auto& recipe = m_config.profile->recipe(id.index);
        if (!m_config.profile->canRaise(id))
            return -EOPNOTSUPP;
        for (const auto& w : recipe.raise) {
            if (const int rc = m_device.regionWrite32(w.region, w.offset, w.valueFor(id.sub)); rc < 0)
                return rc;
        }
        return 0;
    }
    return -EOPNOTSUPP;
}

void CoreThread::drainTriggerRecords()
{
    TriggerRecord records[64];
    for (;;) {
        const std::size_t n = m_triggerRecords.popBatch(records, 64);
        for (std::size_t i = 0; i < n; ++i) {
            const TriggerRecord& r = records[i];
            if (r.slot >= m_state.size())
                continue;
            SlotState& s = m_state[r.slot];
            VectorCounters& c = m_counters[r.slot];
            switch (r.kind) {
            case TriggerRecord::Kind::Fired:
                if (s.window.size() >= OutstandingWindow::kCapacity) {
                    // Cannot happen (the trigger thread respects maxOutstanding); keep the books right anyway.
                    VectorCounters::bump(c.skipped);
                    m_threadResolved[r.slot].store(m_threadResolved[r.slot].load() + 1, std::memory_order_release);
                    break;
                }
                {
                    const uint64_t seq = s.window.push(r.triggerNs);
                    ++m_outstanding;
                    s.fromThread[seq & (OutstandingWindow::kCapacity - 1)] = true;
                }
                VectorCounters::bump(c.triggered);
                if (s.userMasked)
                    setState(r.slot, vstate::kPending, 0);
                break;
            case TriggerRecord::Kind::Failed:
                // The Fired record of this firing came first; mark that entry so it resolves as missed.
                s.window.markFailedAt(r.triggerNs);
                VectorCounters::bump(c.errors);
                c.lastErrno.store(r.error, std::memory_order_relaxed);
                pushEvent(r.slot, EventCode::Error, r.triggerNs, static_cast<uint64_t>(r.error));
                noteDeviceError(-r.error, r.triggerNs, "a trigger");
                break;
            case TriggerRecord::Kind::Skipped:
                VectorCounters::bump(c.skipped);
                break;
            }
        }
        if (n < 64)
            break;
    }
}

void CoreThread::queueVectorRead(uint32_t slot)
{
    SlotState& s = m_state[slot];
    m_ring.queueRead(slot, &m_readBuffers[2 * slot + (s.generation & 1)],
                     CqeTag::encode(CqeKind::VectorRead, s.generation & 0xffffff, slot));
}

void CoreThread::pushSample(const Sample& sample)
{
    if (m_samples.tryPush(sample))
        m_samplesPushed.store(m_samplesPushed.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

void CoreThread::pushEvent(uint32_t slot, EventCode code, int64_t nowNs, uint64_t detail)
{
    Sample sample;
    sample.slot = slot;
    sample.kind = SampleKind::Event;
    sample.value = static_cast<uint64_t>(code);
    sample.completionNs = nowNs;
    sample.seq = detail;
    pushSample(sample);
}

void CoreThread::setState(uint32_t slot, uint32_t set, uint32_t clear)
{
    auto& st = m_counters[slot].state;
    st.store((st.load(std::memory_order_relaxed) & ~clear) | set, std::memory_order_release);
}

int CoreThread::setIrqsChecked(uint32_t slot, std::span<const std::byte> request, int64_t nowNs)
{
    const int rc = m_device.setIrqs(request);
    if (rc < 0) {
        VectorCounters::bump(m_counters[slot].errors);
        m_counters[slot].lastErrno.store(-rc, std::memory_order_relaxed);
        pushEvent(slot, EventCode::Error, nowNs, static_cast<uint64_t>(-rc));
        noteDeviceError(rc, nowNs, "an INTx unmask");
    }
    return rc;
}

// ---- commands ----------------------------------------------------------------------------------------------

void CoreThread::processCommands(int64_t nowNs)
{
    Command command;
    while (m_commands.tryPop(command))
        handle(command, nowNs);
}

void CoreThread::reply(const Command& command, int error, const char* format, ...)
{
    CommandResult result;
    result.token = command.token;
    result.error = error;
    va_list args;
    va_start(args, format);
    std::vsnprintf(result.message.data(), result.message.size(), format, args);
    va_end(args);
    (void)m_results.tryPush(result);
}

bool CoreThread::checkRange(const Command& command)
{
    const uint32_t available = m_slots.count(command.index);
    const auto name = irqIndexName(command.index);
    if (command.count == 0 || command.start >= available || command.count > available - command.start) {
        if (available == 0)
            reply(command, EINVAL, "%.*s:%u is out of range: the device has no %.*s vectors (see `irqscope list`)",
                  int(name.size()), name.data(), command.start, int(name.size()), name.data());
        else
            reply(command, EINVAL, "%.*s:%u%s is out of range: the device has %u %.*s vector%s (%.*s:0-%u)",
                  int(name.size()), name.data(), command.start, command.count > 1 ? "+" : "", available,
                  int(name.size()), name.data(), available == 1 ? "" : "s", int(name.size()), name.data(),
                  available - 1);
        return false;
    }
    return true;
}

void CoreThread::handle(const Command& command, int64_t nowNs)
{
    switch (command.kind) {
    case CommandKind::Arm:
        arm(command);
        break;
    case CommandKind::Disarm:
        disarm(command);
        break;
    case CommandKind::TriggerOnce:
        triggerOnce(command, nowNs);
        break;
    case CommandKind::StartTriggering:
        setTriggering(command, true);
        break;
    case CommandKind::StopTriggering:
        setTriggering(command, false);
        break;
    case CommandKind::Mask:
        maskOrUnmask(command, true, nowNs);
        break;
    case CommandKind::Unmask:
        maskOrUnmask(command, false, nowNs);
        break;
    case CommandKind::SetRate:
        if (!(command.value > 0) || command.value > 1e7) {
            reply(command, EINVAL, "rate %.3g Hz is out of range: use more than 0 and at most 10 MHz per vector",
                  command.value);
            break;
        }
        m_rateHz = command.value;
        republishPlan(nowNs);
        reply(command, 0, "rate set to %.6g Hz per vector", m_rateHz);
        break;
    case CommandKind::SetTriggerMode:
        if (command.mode == TriggerMode::Device && !m_config.profile) {
            reply(command, EINVAL, "device triggers need a device profile (--profile)");
            break;
        }
        m_mode = command.mode;
        republishPlan(nowNs);
        reply(command, 0, "trigger mode set");
        break;
    case CommandKind::ResetStats:
        resetStats();
        reply(command, 0, "statistics reset");
        break;
    case CommandKind::Stop:
        beginStop(nowNs);
        reply(command, 0, "stopping");
        break;
    }
}

void CoreThread::arm(const Command& command)
{
    if (!checkRange(command))
        return;
    const uint32_t index = static_cast<uint32_t>(command.index);
    const auto name = irqIndexName(command.index);
    const IrqInfo& info = m_irqInfo[index];
    if (!info.eventfd()) {
        reply(command, EINVAL, "%.*s cannot signal through an eventfd on this device", int(name.size()), name.data());
        return;
    }
    if (index == kReqIndex && m_reqEventfd >= 0) {
        reply(command, EBUSY,
              "req:0 is armed by irqscope itself, to notice when the host asks for the device back: it cannot be "
              "measured");
        return;
    }
    if (isExclusiveType(command.index)) {
        for (IrqIndex other : {IrqIndex::Intx, IrqIndex::Msi, IrqIndex::Msix}) {
            if (other != command.index && m_armedPerIndex[static_cast<uint32_t>(other)]) {
                const auto o = irqIndexName(other);
                reply(command, EBUSY,
                      "cannot arm %.*s while %.*s is armed: the kernel allows one of INTx, MSI and MSI-X at a time; "
                      "disarm %.*s first",
                      int(name.size()), name.data(), int(o.size()), o.data(), int(o.size()), o.data());
                return;
            }
        }
    }
    const uint32_t first = m_slots.slot({command.index, 0});
    const uint32_t end = command.start + command.count;
    // Create eventfds for the vectors not armed yet. Blocking eventfds: io_uring reads them through its poll
    // path; a non-blocking one would complete every read at once with -EAGAIN.
    uint32_t created = 0;
    for (uint32_t sub = command.start; sub < end; ++sub) {
        SlotState& s = m_state[first + sub];
        if (s.armed)
            continue;
        s.eventfd = eventfd(0, EFD_CLOEXEC);
        if (s.eventfd < 0) {
            const int err = errno;
            for (uint32_t k = command.start; k < sub; ++k) {
                SlotState& undo = m_state[first + k];
                if (!undo.armed && undo.eventfd >= 0) {
                    close(undo.eventfd);
                    undo.eventfd = -1;
                }
            }
            reply(command, err, "cannot create eventfds: %s (raise `ulimit -n`)", errnoText(err));
            return;
        }
        ++created;
    }
    if (created == 0) {
        reply(command, 0, "%.*s:%u-%u already armed", int(name.size()), name.data(), command.start, end - 1);
        return;
    }

    const bool active = m_armedPerIndex[index] > 0;
    const bool mustReenable = active && isMsiLike(command.index) && info.noResize() && end > m_enabledCount[index];
    int rc = 0;
    uint32_t failedAt = command.start; // the first subindex of a run whose SET_IRQS failed (add-runs path)
    int32_t fds[IrqSetRequest::kMaxElements];
    if (!active || mustReenable) {
        // Enable (or re-enable: NORESIZE means the set cannot grow while enabled, docs/kernel-vfio-irq.md §1.2, §6.1)
        // with every armed vector of the index in one call; unarmed subindexes below get -1.
        uint32_t hi = end;
        for (uint32_t sub = 0; sub < m_slots.count(command.index); ++sub) {
            if (m_state[first + sub].armed)
                hi = std::max(hi, sub + 1);
        }
        for (uint32_t sub = 0; sub < hi; ++sub)
            fds[sub] = m_state[first + sub].eventfd;
        if (mustReenable) {
            const int off = m_device.setIrqs(m_request.disableIndex(index));
            if (off < 0 && off != -EINVAL)
                rc = off;
        }
        if (rc == 0)
            rc = m_device.setIrqs(m_request.setTriggerEventfds(index, 0, std::span<const int32_t>(fds, hi)));
        if (rc == 0)
            m_enabledCount[index] = hi;
    } else {
        // Add the new vectors one contiguous run at a time; passing -1 for an armed vector would de-assign it.
        uint32_t sub = command.start;
        while (rc == 0 && sub < end) {
            if (m_state[first + sub].armed) {
                ++sub;
                continue;
            }
            uint32_t runEnd = sub;
            while (runEnd < end && !m_state[first + runEnd].armed) {
                fds[runEnd - sub] = m_state[first + runEnd].eventfd;
                ++runEnd;
            }
            rc =
                m_device.setIrqs(m_request.setTriggerEventfds(index, sub, std::span<const int32_t>(fds, runEnd - sub)));
            if (rc != 0)
                failedAt = sub;
            sub = runEnd;
        }
    }

    if (rc != 0) {
        // The runs before the failing call are set in the kernel (a failing call unwinds only its own vectors,
        // docs/kernel-vfio-irq.md §2.5): de-assign exactly those, so the device is left as it was before this command.
        int32_t off[IrqSetRequest::kMaxElements];
        for (uint32_t sub = command.start; sub < failedAt;) {
            if (m_state[first + sub].armed) {
                ++sub;
                continue;
            }
            uint32_t runEnd = sub;
            while (runEnd < failedAt && !m_state[first + runEnd].armed)
                off[runEnd++ - sub] = -1;
            (void)m_device.setIrqs(
                m_request.setTriggerEventfds(index, sub, std::span<const int32_t>(off, runEnd - sub)));
            sub = runEnd;
        }
        for (uint32_t sub = command.start; sub < end; ++sub) {
            SlotState& s = m_state[first + sub];
            if (!s.armed && s.eventfd >= 0) {
                close(s.eventfd);
                s.eventfd = -1;
            }
        }
        if (mustReenable) {
            // The re-enable failed after the disable: the previously armed vectors are off now too.
            for (uint32_t sub = 0; sub < m_slots.count(command.index); ++sub) {
                if (m_state[first + sub].armed) {
                    Command c2 = command;
                    c2.start = sub;
                    c2.count = 1;
                    disarm(c2, true);
                }
            }
        }
        if (rc > 0) {
            // Multi-MSI shortfall: the kernel could allocate only rc vectors and enabled none
            // (docs/kernel-vfio-irq.md §2.5).
            reply(command, ENOSPC,
                  "only %d %.*s vector%s could be allocated (no interrupt remapping?): arm %.*s:0-%d at most", rc,
                  int(name.size()), name.data(), rc == 1 ? "" : "s", int(name.size()), name.data(), rc - 1);
        } else {
            reply(command, -rc, "arming %.*s:%u-%u failed: SET_IRQS returned %s (%s)", int(name.size()), name.data(),
                  command.start, end - 1, errnoName(-rc), errnoText(-rc));
            noteDeviceError(rc, monotonicNs(), "arming");
        }
        return;
    }

    const int64_t now = monotonicNs();
    for (uint32_t sub = command.start; sub < end; ++sub) {
        const uint32_t slot = first + sub;
        SlotState& s = m_state[slot];
        if (s.armed)
            continue;
        ++s.generation;
        s.armed = true;
        s.userMasked = false;
        s.consecutiveMissed = 0;
        s.stuckReported = false;
        m_ring.setFile(slot, s.eventfd);
        queueVectorRead(slot);
        ++m_armedPerIndex[index];
        setState(slot, vstate::kArmed, vstate::kUserMasked | vstate::kAutomasked | vstate::kStuck);
        pushEvent(slot, EventCode::Armed, now);
    }
    if (command.index == IrqIndex::Intx && m_config.intxUnmaskEventfd && m_unmaskEventfd < 0) {
        m_unmaskEventfd = eventfd(0, EFD_CLOEXEC);
        if (m_unmaskEventfd >= 0 && m_device.setIrqs(m_request.setUnmaskEventfd(index, m_unmaskEventfd)) == 0 &&
            m_ring.setFile(m_unmaskFile, m_unmaskEventfd) == 0) {
            // INTx is unmasked by writing this eventfd from the ring (docs/kernel-vfio-irq.md §2.4, virqfd).
        } else if (m_unmaskEventfd >= 0) {
            close(m_unmaskEventfd);
            m_unmaskEventfd = -1;
        }
    }
    if (m_config.profile && m_mode == TriggerMode::Device) {
        for (const auto& w : m_config.profile->setup)
            (void)m_device.regionWrite32(w.region, w.offset, w.valueFor(0));
    }
    m_ring.submit();
    reply(command, 0, "armed %.*s:%u-%u", int(name.size()), name.data(), command.start, end - 1);
}

void CoreThread::disarm(const Command& command, bool quiet, bool atStop)
{
    if (!checkRange(command))
        return;
    const uint32_t index = static_cast<uint32_t>(command.index);
    const auto name = irqIndexName(command.index);
    const uint32_t first = m_slots.slot({command.index, 0});
    const uint32_t end = command.start + command.count;
    const int64_t now = monotonicNs();
    uint32_t removed = 0;
    bool planChanged = false;
    for (uint32_t sub = command.start; sub < end; ++sub)
        if (m_state[first + sub].armed && m_state[first + sub].triggering) {
            m_state[first + sub].triggering = false;
            planChanged = true;
        }
    if (planChanged)
        republishPlan(now); // the trigger thread stops firing these before the kernel forgets them
    for (uint32_t sub = command.start; sub < end; ++sub)
        removed += m_state[first + sub].armed ? 1 : 0;
    if (removed == 0) {
        if (!quiet)
            reply(command, 0, "%.*s:%u-%u not armed", int(name.size()), name.data(), command.start, end - 1);
        return;
    }
    int rc = 0;
    if (removed == m_armedPerIndex[index]) {
        if (m_config.profile && m_mode == TriggerMode::Device && command.index != IrqIndex::Err &&
            command.index != IrqIndex::Req) {
            for (const auto& w : m_config.profile->teardown)
                (void)m_device.regionWrite32(w.region, w.offset, w.valueFor(0));
        }
        if (command.index == IrqIndex::Intx && m_unmaskEventfd >= 0) {
            (void)m_device.setIrqs(m_request.setUnmaskEventfd(index, -1));
            m_ring.setFile(m_unmaskFile, -1);
            close(m_unmaskEventfd);
            m_unmaskEventfd = -1;
        }
        // Disabling an index that is already off is -EINVAL: disarm is not idempotent in the kernel, so "already
        // off" counts as done (docs/kernel-vfio-irq.md §6.2).
        if (command.index == IrqIndex::Err || command.index == IrqIndex::Req) {
            const int32_t off = -1;
            rc = m_device.setIrqs(m_request.setTriggerEventfds(index, 0, std::span<const int32_t>(&off, 1)));
        } else {
            rc = m_device.setIrqs(m_request.disableIndex(index));
        }
        if (rc == -EINVAL)
            rc = 0;
        m_enabledCount[index] = 0;
    } else {
        // Leave the index enabled: fd -1 de-assigns just these vectors (docs/kernel-vfio-irq.md §1.3).
        int32_t off[IrqSetRequest::kMaxElements];
        std::fill_n(off, command.count, -1);
        for (uint32_t sub = command.start; sub < end && rc == 0;) {
            if (!m_state[first + sub].armed) {
                ++sub;
                continue;
            }
            uint32_t runEnd = sub;
            while (runEnd < end && m_state[first + runEnd].armed)
                ++runEnd;
            rc =
                m_device.setIrqs(m_request.setTriggerEventfds(index, sub, std::span<const int32_t>(off, runEnd - sub)));
            sub = runEnd;
        }
        if (rc == -EINVAL)
            rc = 0;
    }
    for (uint32_t sub = command.start; sub < end; ++sub) {
        const uint32_t slot = first + sub;
        SlotState& s = m_state[slot];
        if (!s.armed)
            continue;
        // Triggers still in flight can no longer complete: mid-run they are missed, with the reason "disarmed";
        // at stop they stay counted as in flight at stop (triggered = completed + coalesced + missed + in flight).
        while (!atStop && !s.window.empty())
            resolveMissed(slot, now, ESHUTDOWN);
        m_ring.queueCancel(CqeTag::encode(CqeKind::VectorRead, s.generation & 0xffffff, slot),
                           CqeTag::encode(CqeKind::Cancel, 0, slot));
        ++s.generation;
        m_ring.setFile(slot, -1);
        if (s.eventfd >= 0)
            close(s.eventfd);
        s.eventfd = -1;
        s.armed = false;
        s.userMasked = false;
        --m_armedPerIndex[index];
        setState(slot, 0,
                 vstate::kArmed | vstate::kUserMasked | vstate::kAutomasked | vstate::kPending | vstate::kTriggering |
                     vstate::kStuck);
        pushEvent(slot, EventCode::Disarmed, now);
    }
    m_ring.submit();
    if (!quiet) {
        if (rc < 0)
            reply(command, -rc, "disarming %.*s:%u-%u: SET_IRQS returned %s (%s); irqscope no longer uses them",
                  int(name.size()), name.data(), command.start, end - 1, errnoName(-rc), errnoText(-rc));
        else
            reply(command, 0, "disarmed %.*s:%u-%u", int(name.size()), name.data(), command.start, end - 1);
    }
}

void CoreThread::disarmAll()
{
    for (IrqIndex index : {IrqIndex::Intx, IrqIndex::Msi, IrqIndex::Msix, IrqIndex::Err, IrqIndex::Req}) {
        const uint32_t count = m_slots.count(index);
        if (count && m_armedPerIndex[static_cast<uint32_t>(index)]) {
            Command c;
            c.kind = CommandKind::Disarm;
            c.index = index;
            c.start = 0;
            c.count = count;
            disarm(c, true, true);
        }
    }
}

void CoreThread::setTriggering(const Command& command, bool on)
{
    if (!checkRange(command))
        return;
    const auto name = irqIndexName(command.index);
    const uint32_t first = m_slots.slot({command.index, 0});
    const uint32_t end = command.start + command.count;
    if (on) {
        if (m_mode == TriggerMode::None) {
            reply(command, EINVAL, "trigger mode is none: choose loopback or device first");
            return;
        }
        for (uint32_t sub = command.start; sub < end; ++sub) {
            if (!m_state[first + sub].armed) {
                reply(command, EINVAL, "%.*s:%u is not armed: arm it before triggering it", int(name.size()),
                      name.data(), sub);
                return;
            }
            if (m_mode == TriggerMode::Device && m_config.profile &&
                !m_config.profile->canRaise({command.index, sub})) {
                reply(command, EOPNOTSUPP,
                      "profile '%s' does not say how to raise %.*s:%u: use --trigger loopback for it",
                      m_config.profile->name.c_str(), int(name.size()), name.data(), sub);
                return;
            }
        }
    }
    for (uint32_t sub = command.start; sub < end; ++sub) {
        m_state[first + sub].triggering = on && m_state[first + sub].armed;
        setState(first + sub, on ? vstate::kTriggering : 0, on ? 0 : vstate::kTriggering);
    }
    republishPlan(monotonicNs());
    reply(command, 0, "%s %.*s:%u-%u", on ? "triggering" : "stopped triggering", int(name.size()), name.data(),
          command.start, end - 1);
}

void CoreThread::republishPlan(int64_t nowNs)
{
    PlanView& v = m_planView;
    v.count = 0;
    v.rateHz = m_rateHz;
    v.mode = m_stopping ? TriggerMode::None : m_mode;
    if (!m_stopping && m_mode != TriggerMode::None) {
        for (uint32_t slot = 0; slot < m_state.size() && v.count < PlanView::kMaxEntries; ++slot) {
            if (m_state[slot].triggering && m_state[slot].armed)
                v.slots[v.count++] = slot;
        }
    }
    m_schedule.reset(nowNs, v.count, v.rateHz);
    {
        std::lock_guard lock(m_statusMutex);
        m_staticStatus.triggerMode = m_mode;
        m_staticStatus.rateHz = m_rateHz;
    }
    if (m_triggerThread) {
        m_plan.publish(v);
        // Vectors leaving the plan (disarm, stop) are only torn down once no firing of them can still happen.
        if (!m_triggerThread->waitForGeneration(m_plan.generation()) && !m_triggerStallReported) {
            m_triggerStallReported = true;
            {
                std::lock_guard lock(m_statusMutex);
                m_staticStatus.triggerStalled = true;
            }
            notice("the trigger thread on CPU %d has been stuck in one trigger for over 1 s (a device access that "
                   "does not return): irqscope goes on without waiting for it",
                   m_config.triggerCpu);
        }
    }
}

void CoreThread::triggerOnce(const Command& command, int64_t nowNs)
{
    if (!checkRange(command))
        return;
    const auto name = irqIndexName(command.index);
    if (m_mode == TriggerMode::None) {
        reply(command, EINVAL, "trigger mode is none: choose loopback or device first");
        return;
    }
    const uint32_t first = m_slots.slot({command.index, 0});
    uint32_t fired = 0;
    for (uint32_t sub = command.start; sub < command.start + command.count; ++sub) {
        if (!m_state[first + sub].armed) {
            // Never fire a vector whose trigger irqscope has not set (trap 2, docs/kernel-vfio-irq.md §3.2).
            reply(command, EINVAL,
                  "%.*s:%u is not armed, so irqscope does not fire it (the kernel may report success without "
                  "signalling anything): arm it first",
                  int(name.size()), name.data(), sub);
            return;
        }
    }
    for (uint32_t sub = command.start; sub < command.start + command.count; ++sub)
        fired += fireOne(first + sub, nowNs) ? 1 : 0;
    reply(command, fired ? 0 : EAGAIN, "fired %u of %u", fired, command.count);
}

void CoreThread::maskOrUnmask(const Command& command, bool mask, int64_t nowNs)
{
    if (!checkRange(command))
        return;
    const auto name = irqIndexName(command.index);
    const uint32_t index = static_cast<uint32_t>(command.index);
    if (!m_irqInfo[index].maskable()) {
        reply(command, ENOTTY,
              "%.*s cannot be %s through VFIO (the kernel answers ENOTTY: only INTx is maskable, "
              "docs/kernel-vfio-irq.md §2.2)",
              int(name.size()), name.data(), mask ? "masked" : "unmasked");
        return;
    }
    const uint32_t first = m_slots.slot({command.index, 0});
    if (!m_state[first + command.start].armed) {
        reply(command, EINVAL, "%.*s:%u is not armed: arm it first", int(name.size()), name.data(), command.start);
        return;
    }
    const uint32_t slot = first + command.start;
    const int rc = mask ? m_device.setIrqs(m_request.mask(index, command.start, command.count))
                        : m_device.setIrqs(m_request.unmask(index, command.start, command.count));
    if (rc < 0) {
        VectorCounters::bump(m_counters[slot].errors);
        m_counters[slot].lastErrno.store(-rc, std::memory_order_relaxed);
        pushEvent(slot, EventCode::Error, nowNs, static_cast<uint64_t>(-rc));
        reply(command, -rc, "%s %.*s:%u failed: %s (%s)", mask ? "MASK" : "UNMASK", int(name.size()), name.data(),
              command.start, errnoName(-rc), errnoText(-rc));
        return;
    }
    SlotState& s = m_state[slot];
    s.userMasked = mask;
    if (mask) {
        setState(slot, vstate::kUserMasked, 0);
        pushEvent(slot, EventCode::Masked, nowNs);
    } else {
        s.unmaskedAtNs = nowNs;
        setState(slot, 0, vstate::kUserMasked | vstate::kAutomasked);
        pushEvent(slot, EventCode::Unmasked, nowNs);
        // A device interrupt that arrived while masked left the line asserted; ack it so the unmask delivers
        // it exactly once (docs/kernel-vfio-irq.md §2.4: UNMASK with the level still asserted signals again).
    }
    reply(command, 0, "%s %.*s:%u", mask ? "masked" : "unmasked", int(name.size()), name.data(), command.start);
}

void CoreThread::resetStats()
{
    for (uint32_t slot = 0; slot < m_state.size(); ++slot) {
        VectorCounters& c = m_counters[slot];
        c.reset();
        // Keep the books balanced: triggers still in flight stay counted as triggered.
        c.triggered.store(m_state[slot].window.size(), std::memory_order_release);
    }
}

void CoreThread::beginStop(int64_t nowNs)
{
    if (m_stopping)
        return;
    m_stopping = true;
    republishPlan(nowNs);
    // Wait for in-flight completions up to the deadline (at most 0.5 s), then whatever is left stays in flight.
    m_stopDeadlineNs = nowNs + std::min<int64_t>(m_config.deadline.count(), kMaxStopDrainNs);
}

void CoreThread::tearDown()
{
    // The trigger thread ends before any vector is torn down, so no trigger reaches a vector being disarmed.
    stopTriggerThread();
    drainTriggerRecords();
    if (m_ring.valid()) {
        harvest();
        disarmAll();
    }
    releaseReqWatch();
    m_pmQos.restore();
    for (auto& s : m_state) {
        if (s.eventfd >= 0) {
            close(s.eventfd);
            s.eventfd = -1;
        }
    }
    if (m_unmaskEventfd >= 0) {
        close(m_unmaskEventfd);
        m_unmaskEventfd = -1;
    }
    std::lock_guard lock(m_statusMutex);
    if (m_staticStatus.stopReason.empty())
        m_staticStatus.stopReason = "stopped";
}

void CoreThread::stopTriggerThread()
{
    if (!m_triggerThread)
        return;
    if (!m_triggerThread->stop(kTriggerStallNs)) {
        // Stuck in a trigger: the thread is detached and its object deliberately leaked, since the thread still
        // runs in it when the trigger returns (it touches nothing else once it sees the stop).
        TriggerThread* abandoned = m_triggerThread.release();
#if defined(__SANITIZE_ADDRESS__)
        __lsan_ignore_object(abandoned); // left behind on purpose: not a leak for LeakSanitizer to report
#else
        (void)abandoned;
#endif
        {
            std::lock_guard lock(m_statusMutex);
            m_staticStatus.triggerStalled = true;
            m_staticStatus.triggerAbandoned = true;
        }
        notice("the trigger thread did not stop within 1 s (stuck in a trigger that does not return): left "
               "behind, every vector disarmed without it");
        return;
    }
    m_triggerThread.reset();
}

void CoreThread::checkTriggerThread(int64_t nowNs)
{
    if (!m_triggerThread || m_triggerStallReported || m_stopping)
        return;
    const int64_t idleNs = nowNs - m_triggerThread->heartbeatNs();
    if (idleNs < kTriggerStallNs)
        return;
    m_triggerStallReported = true;
    {
        std::lock_guard lock(m_statusMutex);
        m_staticStatus.triggerStalled = true;
    }
    notice("the trigger thread on CPU %d has made no progress for %lld ms (a trigger stuck in the device, or its CPU "
           "taken by a higher-priority task): its vectors' triggers are late or missing",
           m_config.triggerCpu, static_cast<long long>(idleNs / 1'000'000));
}

bool CoreThread::armReqWatch()
{
    // The REQ index fires when the host wants the device back (an unbind); DPDK arms it too
    // (docs/kernel-vfio-irq.md §2.6).
    const IrqInfo& info = m_irqInfo[kReqIndex];
    if (info.count == 0 || !info.eventfd() || m_slots.count(IrqIndex::Req) == 0)
        return false;
    m_reqEventfd = eventfd(0, EFD_CLOEXEC);
    if (m_reqEventfd < 0)
        return false;
    const int32_t fd = m_reqEventfd;
    if (m_device.setIrqs(m_request.setTriggerEventfds(kReqIndex, 0, std::span<const int32_t>(&fd, 1))) != 0) {
        close(m_reqEventfd);
        m_reqEventfd = -1;
        return false;
    }
    if (m_ring.setFile(m_reqFile, m_reqEventfd) != 0) {
        releaseReqWatch();
        return false;
    }
    m_ring.queueRead(m_reqFile, &m_reqBuffer, CqeTag::encode(CqeKind::ReqRead, 0, 0));
    return true;
}

void CoreThread::releaseReqWatch()
{
    if (m_reqEventfd < 0)
        return;
    // fd -1 releases the REQ trigger (docs/kernel-vfio-irq.md §2.6); a device already gone answers ENODEV, which
    // is fine.
    const int32_t off = -1;
    (void)m_device.setIrqs(m_request.setTriggerEventfds(kReqIndex, 0, std::span<const int32_t>(&off, 1)));
    if (m_ring.valid())
        m_ring.setFile(m_reqFile, -1);
    close(m_reqEventfd);
    m_reqEventfd = -1;
}

void CoreThread::noteDeviceError(int rc, int64_t nowNs, const char* what)
{
    // ENODEV from the device: it was removed or reclaimed under us (vfio-pci answers so once the device is gone).
    if (rc == -ENODEV)
        hostTookDevice(nowNs, false, what);
}

void CoreThread::hostTookDevice(int64_t nowNs, bool request, const char* what)
{
    if (m_hostTook)
        return;
    m_hostTook = true;
    {
        std::lock_guard lock(m_statusMutex);
        if (request) {
            m_staticStatus.hostRequest = true;
            m_staticStatus.stopReason = "the host asked for the device back (VFIO REQ interrupt)";
        } else {
            m_staticStatus.deviceLost = true;
            m_staticStatus.stopReason = fmt::format("the device went away mid-run ({} failed with ENODEV)", what);
        }
    }
    beginStop(nowNs);
    // No drain: the host wants the device now, or nothing more can complete. Triggers still outstanding stay
    // counted as in flight at stop, so the books still balance.
    m_stopDeadlineNs = nowNs;
}

void CoreThread::notice(const char* format, ...)
{
    EngineNotice n;
    va_list args;
    va_start(args, format);
    std::vsnprintf(n.text.data(), n.text.size(), format, args);
    va_end(args);
    (void)m_notices.tryPush(n);
}

} // namespace irqscope::core

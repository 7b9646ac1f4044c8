// SimHardware: the simulated device's thread: register writes in, latency and faults applied, vectors raised
// through the kernel model's handlers, and the unmask eventfd watched like the kernel's virqfd.
#include "sim/sim_hardware.h"

#include "base/monotonic_clock.h"
#include "base/privileges.h"
#include "base/vector_spec.h"
#include "sim/sim_eventfd.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <ctime>
#include <fcntl.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace irqscope::core {

namespace {

// Closer than this to a deadline the thread sleeps with clock_nanosleep(TIMER_ABSTIME) rather than in epoll, for
// an exact device latency; register writes arriving meanwhile wait at most this long.
constexpr int64_t kPreciseSleepNs = 50'000;
// The armed-vector count behind the spurious rate is re-read at least this often.
constexpr int64_t kSpuriousRecheckNs = 10'000'000;
constexpr int64_t kNever = INT64_MAX;
constexpr std::size_t kMaxScheduled = 2 * SimRegisterQueue::kCapacity;

bool later(const auto& a, const auto& b)
{
    return a.dueNs > b.dueNs;
}

timespec toTimespec(int64_t ns)
{
    return {static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
}

// A vector's flag in per-index flag arrays: false for INTx, ERR and REQ and for vectors past the end.
bool vectorFlag(const std::vector<uint8_t>& msi, const std::vector<uint8_t>& msix, IrqIndex index, uint32_t vector)
{
    const std::vector<uint8_t>* flags = index == IrqIndex::Msi ? &msi : index == IrqIndex::Msix ? &msix : nullptr;
    return flags && vector < flags->size() && (*flags)[vector];
}

} // namespace

SimHardware::SimHardware(const SimConfig& config, SimKernelModel& kernel, std::mutex& kernelLock)
    : m_config(config)
    , m_kernel(kernel)
    , m_kernelLock(kernelLock)
    , m_batch(SimRegisterQueue::kCapacity)
    , m_faultRandom(config.faults.seed)
    , m_spuriousRandom(config.faults.seed ^ 0x9e3779b97f4a7c15ULL)
    , m_stuckMsi(kMaxMsiVectors, 0)
    , m_stuckMsix(kMaxMsixVectors, 0)
    , m_pendingMsi(kMaxMsiVectors, 0)
    , m_pendingMsix(kMaxMsixVectors, 0)
    , m_createdNs(monotonicNs())
{
    m_scheduled.reserve(kMaxScheduled);
    // "intx:0" makes INTx's mask stick after UNMASK; "msi:N" / "msix:N" make that vector never fire.
    // parseSimFaults has checked the syntax; anything else is ignored here.
    for (const auto& text : m_config.faults.stuckMask) {
        const auto colon = text.find(':');
        const auto index = parseIrqIndex(std::string_view(text).substr(0, colon));
        uint32_t vector = 0;
        if (colon != std::string::npos)
            std::from_chars(text.data() + colon + 1, text.data() + text.size(), vector);
        if (index == IrqIndex::Intx)
            m_kernel.setIntxMaskStuck(true);
        else if (index == IrqIndex::Msi && vector < kMaxMsiVectors)
            m_stuckMsi[vector] = 1;
        else if (index == IrqIndex::Msix && vector < kMaxMsixVectors)
            m_stuckMsix[vector] = 1;
    }
    m_wakeFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    m_epollFd = epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = m_wakeFd;
    epoll_ctl(m_epollFd, EPOLL_CTL_ADD, m_wakeFd, &ev);
    m_thread = std::thread([this] { run(); });
}

SimHardware::~SimHardware()
{
    m_stop.store(true, std::memory_order_release);
    wake();
    if (m_thread.joinable())
        m_thread.join();
    simfd::release(m_watchedUnmaskFd);
    simfd::release(m_epollFd);
    simfd::release(m_wakeFd);
}

uint32_t SimHardware::read(uint64_t offset) const
{
    switch (offset) {
    case simreg::kId:
        return simreg::kIdValue;
    case simreg::kVersion:
        return 1;
    case simreg::kIntxStatus: {
        std::lock_guard lock(m_kernelLock);
        return m_kernel.intxLevel() ? 1 : 0;
    }
    case simreg::kRaiseCount:
        return static_cast<uint32_t>(m_raises.load(std::memory_order_relaxed));
    default:
        return 0;
    }
}

void SimHardware::write(uint64_t offset, uint32_t value)
{
    if (offset == simreg::kIntxAck) {
        // The ack de-asserts the level at once. On PCI a posted write reaches the device before any later access
        // of the same requester, and UNMASK reads config space, so "ack, then UNMASK" must see the level low
        // (docs/kernel-vfio-irq.md §2.4, consequence for the monitor).
        std::lock_guard lock(m_kernelLock);
        m_kernel.setIntxLevel(false);
        return;
    }
    if (offset != simreg::kRaiseMsix && offset != simreg::kRaiseMsi && offset != simreg::kIntxAssert)
        return; // read-only and unused registers ignore writes
    switch (m_queue.push({offset, value, monotonicNs()})) {
    case SimRegisterQueue::Push::Full:
        m_queueOverflows.fetch_add(1, std::memory_order_relaxed);
        break;
    case SimRegisterQueue::Push::QueuedWake:
        wake();
        break;
    case SimRegisterQueue::Push::Queued:
        break;
    }
}

void SimHardware::unmaskEventfdChanged()
{
    wake();
}

SimHardwareStats SimHardware::stats() const
{
    SimHardwareStats s;
    s.raises = m_raises.load(std::memory_order_relaxed);
    s.delivered = m_delivered.load(std::memory_order_relaxed);
    s.dropped = m_dropped.load(std::memory_order_relaxed);
    s.delayed = m_delayed.load(std::memory_order_relaxed);
    s.stuck = m_stuck.load(std::memory_order_relaxed);
    s.spurious = m_spurious.load(std::memory_order_relaxed);
    s.queueOverflows = m_queueOverflows.load(std::memory_order_relaxed);
    s.unmaskEventfdRuns = m_unmaskRuns.load(std::memory_order_relaxed);
    s.hostRequests = m_hostRequests.load(std::memory_order_relaxed);
    return s;
}

bool SimHardware::maskStuck(IrqIndex index, uint32_t vector) const
{
    return vectorFlag(m_stuckMsi, m_stuckMsix, index, vector);
}

bool SimHardware::pending(IrqIndex index, uint32_t vector) const
{
    return vectorFlag(m_pendingMsi, m_pendingMsix, index, vector);
}

std::vector<uint8_t>& SimHardware::pendingBits(IrqIndex index)
{
    return index == IrqIndex::Msi ? m_pendingMsi : m_pendingMsix;
}

void SimHardware::wake() const
{
    const uint64_t one = 1;
    if (m_wakeFd >= 0)
        (void)!::write(m_wakeFd, &one, sizeof one);
}

// A raise write: faults first (drop, then delay), then the device latency; delivered when due.
void SimHardware::accept(const SimRegisterWrite& w)
{
    m_raises.fetch_add(1, std::memory_order_relaxed);
    Scheduled s{};
    s.index = w.offset == simreg::kRaiseMsix  ? IrqIndex::Msix
              : w.offset == simreg::kRaiseMsi ? IrqIndex::Msi
                                              : IrqIndex::Intx;
    s.vector = s.index == IrqIndex::Intx ? 0 : w.value;
    if (m_faultRandom.chance(m_config.faults.dropProbability) || m_scheduled.size() == kMaxScheduled) {
        m_dropped.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    s.dueNs = w.atNs + m_faultRandom.latencyNs(m_config.deviceLatency);
    if (m_faultRandom.chance(m_config.faults.delayProbability)) {
        m_delayed.fetch_add(1, std::memory_order_relaxed);
        s.dueNs += static_cast<int64_t>(m_config.faults.delayNs);
    }
    m_scheduled.push_back(s);
    std::push_heap(m_scheduled.begin(), m_scheduled.end(), later<Scheduled, Scheduled>);
}

void SimHardware::deliver(const Scheduled& s)
{
    std::lock_guard lock(m_kernelLock);
    if (s.index != IrqIndex::Intx && maskStuck(s.index, s.vector)) {
        m_stuck.fetch_add(1, std::memory_order_relaxed);
    } else {
        m_delivered.fetch_add(1, std::memory_order_relaxed);
    }
    raiseLocked(s.index, s.vector);
}

void SimHardware::raiseLocked(IrqIndex index, uint32_t vector)
{
    if (index == IrqIndex::Intx) {
        // Level-triggered: the pin stays asserted until INTX_ACK; the kernel's handler automasks and signals
        // (docs/kernel-vfio-irq.md §2.4). A stuck INTx mask is the kernel model's business (UNMASK does not clear it).
        m_kernel.setIntxLevel(true);
        return;
    }
    if (maskStuck(index, vector)) {
        // The device-side mask bit never clears: the message is held in the pending bit and never sent.
        auto& bits = pendingBits(index);
        if (vector < bits.size())
            bits[vector] = 1;
        return;
    }
    m_kernel.raiseMsi(index, vector); // vfio_msihandler: signals the vector's trigger, if it has one
}

// Poisson spurious raises at spuriousRateHz per armed vector. Inter-arrival times are exponential, so the armed
// count can be re-read at any deadline without biasing the process.
int64_t SimHardware::nextSpurious(int64_t nowNs)
{
    m_spuriousFires = false;
    const double rate = m_config.faults.spuriousRateHz;
    if (rate <= 0)
        return kNever;
    uint32_t armed;
    {
        std::lock_guard lock(m_kernelLock);
        armed = m_kernel.armedVectors();
    }
    if (armed == 0)
        return nowNs + kSpuriousRecheckNs;
    const int64_t gap = m_spuriousRandom.poissonGapNs(rate * armed);
    if (gap > kSpuriousRecheckNs)
        return nowNs + kSpuriousRecheckNs;
    m_spuriousFires = true;
    return nowNs + gap;
}

void SimHardware::spuriousRaise()
{
    std::lock_guard lock(m_kernelLock);
    const auto type = m_kernel.activeType();
    const uint32_t armed = m_kernel.armedVectors();
    if (!type || armed == 0)
        return;
    const auto vector = m_kernel.armedVector(m_spuriousRandom.below(armed));
    if (!vector)
        return;
    m_spurious.fetch_add(1, std::memory_order_relaxed);
    raiseLocked(*type, *vector);
}

// The kernel's virqfd registration follows the unmask eventfd SET_IRQS installed: we watch our own duplicate of
// it, so that the kernel model closing its reference never leaves a stale registration in our epoll set.
void SimHardware::refreshUnmaskWatch()
{
    int dup = -1;
    uint64_t generation;
    {
        std::lock_guard lock(m_kernelLock);
        generation = m_kernel.unmaskEventfdGeneration();
        if (generation == m_watchedGeneration)
            return;
        if (m_kernel.unmaskEventfd() >= 0)
            dup = fcntl(m_kernel.unmaskEventfd(), F_DUPFD_CLOEXEC, 0);
    }
    if (m_watchedUnmaskFd >= 0) {
        epoll_ctl(m_epollFd, EPOLL_CTL_DEL, m_watchedUnmaskFd, nullptr);
        simfd::release(m_watchedUnmaskFd);
    }
    m_watchedGeneration = generation;
    if (dup >= 0) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = dup;
        epoll_ctl(m_epollFd, EPOLL_CTL_ADD, dup, &ev);
        m_watchedUnmaskFd = dup;
    }
}

// virqfd_wakeup: drain the counter and run the unmask handler; if the device still asserts, the trigger is
// signalled again (docs/kernel-vfio-irq.md §2.4).
void SimHardware::onUnmaskEventfd()
{
    std::lock_guard lock(m_kernelLock);
    if (m_kernel.unmaskEventfdGeneration() != m_watchedGeneration)
        return; // replaced or removed meanwhile: refreshUnmaskWatch() follows
    if (simfd::drain(m_watchedUnmaskFd) == 0)
        return;
    m_unmaskRuns.fetch_add(1, std::memory_order_relaxed);
    m_kernel.runUnmaskEventfd();
}

void SimHardware::waitForWork(int64_t dueNs)
{
    epoll_event events[4];
    timespec timeout{};
    const timespec* timeoutPtr = nullptr;
    if (dueNs != kNever) {
        timeout = toTimespec(std::max<int64_t>(0, dueNs - kPreciseSleepNs - monotonicNs()));
        timeoutPtr = &timeout;
    }
    const int n = epoll_pwait2(m_epollFd, events, 4, timeoutPtr, nullptr);
    for (int i = 0; i < n; ++i) {
        if (events[i].data.fd == m_wakeFd)
            simfd::drain(m_wakeFd);
        else if (events[i].data.fd == m_watchedUnmaskFd)
            onUnmaskEventfd();
    }
}

void SimHardware::run()
{
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL); // exact wake-ups for the device latency
    pthread_setname_np(pthread_self(), "irqscope-sim");
    // Simulated hardware never needs a privilege: hold none, whoever created the device (docs/privileges.md).
    (void)dropCapabilities(0);
    int64_t spuriousAt = nextSpurious(monotonicNs());
    // req-after=: the host asks for the device back, then repeats every second until the device goes away.
    int64_t requestAt =
        m_config.faults.reqAfterNs ? m_createdNs + static_cast<int64_t>(m_config.faults.reqAfterNs) : kNever;
    while (!m_stop.load(std::memory_order_acquire)) {
        const std::size_t n = m_queue.popAll(m_batch);
        for (std::size_t i = 0; i < n; ++i)
            accept(m_batch[i]);
        refreshUnmaskWatch();
        int64_t now = monotonicNs();
        while (!m_scheduled.empty() && m_scheduled.front().dueNs <= now) {
            std::pop_heap(m_scheduled.begin(), m_scheduled.end(), later<Scheduled, Scheduled>);
            const Scheduled s = m_scheduled.back();
            m_scheduled.pop_back();
            deliver(s);
        }
        if (now >= spuriousAt) {
            if (m_spuriousFires)
                spuriousRaise();
            spuriousAt = nextSpurious(monotonicNs());
        }
        if (now >= requestAt) {
            {
                std::lock_guard lock(m_kernelLock);
                m_kernel.requestDevice();
            }
            m_hostRequests.fetch_add(1, std::memory_order_relaxed);
            requestAt = now + 1'000'000'000;
        }
        const int64_t due = std::min({spuriousAt, requestAt, m_scheduled.empty() ? kNever : m_scheduled.front().dueNs});
        now = monotonicNs();
        if (due != kNever && due - now <= kPreciseSleepNs) {
            const timespec at = toTimespec(due);
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr) == EINTR) {
            }
            continue;
        }
        if (m_queue.goIdle())
            waitForWork(due);
    }
}

} // namespace irqscope::core

#include "engine/trigger_thread.h"

#include "base/monotonic_clock.h"
#include "engine/core_thread.h"
#include "engine/cpu_setup.h"

#include <algorithm>
#include <sys/prctl.h>
#include <time.h>

namespace irqscope::core {

namespace {

constexpr int64_t kMaxSleepNs = 1'000'000; // re-check the plan at least every millisecond

void sleepUntil(int64_t whenNs)
{
    timespec ts{static_cast<time_t>(whenNs / 1'000'000'000), static_cast<long>(whenNs % 1'000'000'000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
}

} // namespace

TriggerThread::TriggerThread(CoreThread& core, const VectorSlots& slots, const EngineConfig& config)
    : m_core(core)
    , m_slots(slots)
    , m_config(config)
    , m_issued(slots.size(), 0)
{}

TriggerThread::~TriggerThread()
{
    stop();
}

std::optional<std::string> TriggerThread::start()
{
    m_thread = std::thread([this] { run(); });
    while (m_startState.load(std::memory_order_acquire) == 0)
        std::this_thread::yield();
    if (m_startState.load() == 2) {
        m_thread.join();
        return m_startError;
    }
    return std::nullopt;
}

bool TriggerThread::stop(int64_t timeoutNs)
{
    m_stop.store(true, std::memory_order_release);
    if (!m_thread.joinable())
        return true;
    const int64_t giveUp = monotonicNs() + timeoutNs;
    while (!m_exited.load(std::memory_order_acquire) && monotonicNs() < giveUp)
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    if (!m_exited.load(std::memory_order_acquire)) {
        m_thread.detach();
        return false;
    }
    m_thread.join();
    return true;
}

bool TriggerThread::waitForGeneration(uint64_t generation, int64_t timeoutNs)
{
    // Pairs with the fence in run(): either this load sees the thread inside a firing (and waits for it to end),
    // or the thread's plan check after setting m_firing sees the new generation and does not fire.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    const int64_t giveUp = monotonicNs() + timeoutNs;
    for (;;) {
        if (m_seenGeneration.load(std::memory_order_acquire) >= generation ||
            !m_firing.load(std::memory_order_seq_cst) || m_startState.load(std::memory_order_acquire) != 1 ||
            m_exited.load(std::memory_order_acquire))
            return true;
        if (monotonicNs() >= giveUp)
            return false;
        std::this_thread::yield();
    }
}

void TriggerThread::run()
{
    if (auto err = pinCurrentThread(m_config.triggerCpu)) {
        m_startError = *err;
        m_startState.store(2, std::memory_order_release);
        return;
    }
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); // wake on time, not up to 50 µs late
    m_heartbeatNs.store(monotonicNs(), std::memory_order_release);
    m_startState.store(1, std::memory_order_release);

    uint64_t seen = 0;
    TriggerSchedule schedule;
    while (!m_stop.load(std::memory_order_acquire)) {
        m_heartbeatNs.store(monotonicNs(), std::memory_order_release);
        if (m_core.plan().generation() != seen) {
            // Settle the old plan's books before its slots are overwritten by the new one.
            const int64_t changedNs = monotonicNs();
            schedule.close(changedNs);
            if (m_core.plan().readIfChanged(seen, m_view))
                schedule.reset(changedNs, m_view.count, m_view.rateHz, m_view.slots.data(), m_core.scheduleCounters());
        }
        m_seenGeneration.store(seen, std::memory_order_release);
        const bool firing = schedule.active() && m_view.count != 0 && m_view.mode != TriggerMode::None;
        // The instrument floor, from the thread that fires the loopback triggers, between its firings: a vector
        // due now makes it wait for a gap (engine/instrument_floor.h).
        const int64_t now = monotonicNs();
        const bool vectorDue = firing && schedule.nextDueNs() <= now;
        m_core.floor().signalIfDue(now, vectorDue);
        if (!vectorDue) {
            int64_t wake = now + kMaxSleepNs;
            if (firing)
                wake = std::min(wake, schedule.nextDueNs());
            if (const int64_t floorNs = m_core.floor().wakeAtNs(false); floorNs >= 0)
                wake = std::min(wake, std::max(floorNs, now));
            sleepUntil(wake);
            continue;
        }
        // Re-read the plan right before firing: a vector removed from it must not be fired any more. m_firing
        // stays set until the firing ends, so the core thread's waitForGeneration() cannot return (and the
        // vectors cannot be disarmed) while a firing from an older plan is still possible.
        m_firing.store(true, std::memory_order_seq_cst);
        std::atomic_thread_fence(std::memory_order_seq_cst);
        if (m_core.plan().generation() != seen) {
            m_firing.store(false, std::memory_order_release);
            continue;
        }
        fireNext(schedule, now);
        m_firing.store(false, std::memory_order_release);
    }
    schedule.close(monotonicNs());
    m_exited.store(true, std::memory_order_release);
}

void TriggerThread::fireNext(TriggerSchedule& schedule, int64_t now)
{
    const uint32_t position = schedule.take(now);
    const uint32_t slot = m_view.slots[position];
    const uint64_t outstanding = m_issued[slot] - m_core.threadResolved(slot);
    const bool oneAtATime = (m_slots.id(slot).index == IrqIndex::Intx || m_config.commandTrigger) &&
                            m_view.mode == TriggerMode::Device; // one at a time: see TriggerFiring::fireOne
    TriggerRecord record;
    record.slot = slot;
    if (outstanding >= m_config.maxOutstanding || (oneAtATime && outstanding > 0)) {
        record.kind = TriggerRecord::Kind::Skipped;
        if (!m_core.pushTriggerRecord(record))
            schedule.creditBehind(position); // not counted skipped: the schedule's books keep it
        return;
    }
    record.kind = TriggerRecord::Kind::Fired;
    record.triggerNs = monotonicNs();
    if (!m_core.pushTriggerRecord(record)) {
        schedule.creditBehind(position); // the core is far behind: do not fire what it could not account for
        return;
    }
    ++m_issued[slot];
    const int rc = m_core.fire(slot, m_request, m_view.mode);
    // A firing that was stuck past stop() belongs to a detached thread whose core may be gone: touch nothing.
    if (m_stop.load(std::memory_order_acquire))
        return;
    if (rc < 0) {
        record.kind = TriggerRecord::Kind::Failed;
        record.error = -rc;
        while (!m_core.pushTriggerRecord(record) && !m_stop.load(std::memory_order_acquire))
            std::this_thread::yield();
    }
}

} // namespace irqscope::core

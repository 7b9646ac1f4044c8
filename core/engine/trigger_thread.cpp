#include "engine/trigger_thread.h"

#include "engine/core_thread.h"
#include "engine/cpu_setup.h"
#include "engine/monotonic_clock.h"

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

void TriggerThread::stop()
{
    m_stop.store(true, std::memory_order_release);
    if (m_thread.joinable())
        m_thread.join();
}

void TriggerThread::waitForGeneration(uint64_t generation)
{
    const int64_t giveUp = monotonicNs() + 50 * kMaxSleepNs;
    while (m_seenGeneration.load(std::memory_order_acquire) < generation && monotonicNs() < giveUp &&
           m_startState.load(std::memory_order_acquire) == 1)
        std::this_thread::yield();
}

void TriggerThread::run()
{
    if (auto err = pinCurrentThread(m_config.triggerCpu)) {
        m_startError = *err;
        m_startState.store(2, std::memory_order_release);
        return;
    }
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); // wake on time, not up to 50 µs late
    m_startState.store(1, std::memory_order_release);

    uint64_t seen = 0;
    TriggerSchedule schedule;
    while (!m_stop.load(std::memory_order_acquire)) {
        if (m_core.plan().readIfChanged(seen, m_view))
            schedule.reset(monotonicNs(), m_view.count, m_view.rateHz);
        m_seenGeneration.store(seen, std::memory_order_release);
        if (!schedule.active() || m_view.count == 0 || m_view.mode == TriggerMode::None) {
            sleepUntil(monotonicNs() + kMaxSleepNs);
            continue;
        }
        const int64_t now = monotonicNs();
        if (schedule.nextDueNs() > now) {
            sleepUntil(std::min(schedule.nextDueNs(), now + kMaxSleepNs));
            continue;
        }
        // Re-read the plan right before firing: a vector removed from it must not be fired any more.
        if (m_core.plan().generation() != seen)
            continue;
        const uint32_t slot = m_view.slots[schedule.take(now)];
        const uint64_t outstanding = m_issued[slot] - m_core.threadResolved(slot);
        const bool intxDevice = m_slots.id(slot).index == IrqIndex::Intx && m_view.mode == TriggerMode::Device;
        TriggerRecord record;
        record.slot = slot;
        if (outstanding >= m_config.maxOutstanding || (intxDevice && outstanding > 0)) {
            record.kind = TriggerRecord::Kind::Skipped;
            (void)m_core.pushTriggerRecord(record);
            continue;
        }
        record.kind = TriggerRecord::Kind::Fired;
        record.triggerNs = monotonicNs();
        if (!m_core.pushTriggerRecord(record))
            continue; // the core is far behind: do not fire what it could not account for
        ++m_issued[slot];
        const int rc = m_core.fire(slot, m_request, m_view.mode);
        if (rc < 0) {
            record.kind = TriggerRecord::Kind::Failed;
            record.error = -rc;
            while (!m_core.pushTriggerRecord(record) && !m_stop.load(std::memory_order_acquire))
                std::this_thread::yield();
        }
    }
}

} // namespace irqscope::core

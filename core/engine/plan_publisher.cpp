#include "engine/plan_publisher.h"

#include "engine/trigger_thread.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace irqscope::core {

namespace {

// The trigger thread iterates at least every millisecond; this long without an iteration means it is stalled.
constexpr int64_t kTriggerStallNs = 1'000'000'000;

} // namespace

PlanPublisher::PlanPublisher(const EngineConfig& config, const TriggerBooks& books, CoreStatus& status,
                             CoreMessages& messages)
    : m_config(config)
    , m_books(books)
    , m_status(status)
    , m_messages(messages)
    , m_mode(config.triggerMode)
    , m_rateHz(config.rateHz)
{
    m_view.count = 0;
    m_view.rateHz = m_rateHz;
    m_view.mode = m_mode;
}

PlanPublisher::~PlanPublisher() = default;

std::optional<std::string> PlanPublisher::startTriggerThread(CoreThread& core, const VectorSlots& slots)
{
    if (m_config.triggerCpu < 0)
        return std::nullopt;
    m_triggerThread = std::make_unique<TriggerThread>(core, slots, m_config);
    if (auto err = m_triggerThread->start())
        return "--trigger-cpu: " + *err;
    return std::nullopt;
}

void PlanPublisher::publish(int64_t nowNs)
{
    PlanView& v = m_view;
    m_schedule.close(nowNs); // the old plan's books, before its slots are overwritten
    v.count = 0;
    v.rateHz = m_rateHz;
    v.mode = m_firingStopped ? TriggerMode::None : m_mode;
    if (!m_firingStopped && m_mode != TriggerMode::None) {
        for (uint32_t slot = 0; slot < m_books.slots() && v.count < PlanView::kMaxEntries; ++slot) {
            if (m_books.triggering(slot))
                v.slots[v.count++] = slot;
        }
    }
    // The core thread's own schedule keeps the books; with a trigger thread, that thread's schedule does.
    m_schedule.reset(nowNs, v.count, v.rateHz, v.slots.data(), m_triggerThread ? nullptr : m_books.scheduleCounters());
    m_status.edit([&](EngineStatus& s) {
        s.triggerMode = m_mode;
        s.rateHz = m_rateHz;
    });
    if (!m_triggerThread)
        return;
    m_plan.publish(v);
    // Vectors leaving the plan (disarm, stop) are only torn down once no firing of them can still happen.
    if (!m_triggerThread->waitForGeneration(m_plan.generation()) && !m_stallReported) {
        m_stallReported = true;
        m_messages.notice("the trigger thread on CPU %d has been stuck in one trigger for over 1 s (a device access "
                          "that does not return): irqscope goes on without waiting for it",
                          m_config.triggerCpu);
        m_status.edit([](EngineStatus& s) { s.triggerStalled = true; });
    }
}

void PlanPublisher::stopFiring(int64_t nowNs)
{
    m_firingStopped = true;
    publish(nowNs);
}

void PlanPublisher::superviseTriggerThread(int64_t nowNs)
{
    if (!m_triggerThread || m_stallReported || m_firingStopped)
        return;
    const int64_t idleNs = nowNs - m_triggerThread->heartbeatNs();
    if (idleNs < kTriggerStallNs)
        return;
    m_stallReported = true;
    // The notice goes out before the flag: whoever sees triggerStalled in the status finds the notice waiting.
    m_messages.notice("the trigger thread on CPU %d has made no progress for %lld ms (a trigger stuck in the device, "
                      "or its CPU taken by a higher-priority task): its vectors' triggers are late or missing",
                      m_config.triggerCpu, static_cast<long long>(idleNs / 1'000'000));
    m_status.edit([](EngineStatus& s) { s.triggerStalled = true; });
}

void PlanPublisher::stopTriggerThread()
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
        m_messages.notice("the trigger thread did not stop within 1 s (stuck in a trigger that does not return): "
                          "left behind, every vector disarmed without it");
        m_status.edit([](EngineStatus& s) {
            s.triggerStalled = true;
            s.triggerAbandoned = true;
        });
        return;
    }
    m_triggerThread.reset();
}

} // namespace irqscope::core

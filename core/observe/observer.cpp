// The observer's sampling thread: absolute deadlines, one procfs sample per tick, one snapshot per sample.
#include "observe/observer.h"

#include "base/monotonic_clock.h"

#include <fmt/format.h>

namespace irqscope::core {

std::optional<std::string> observeStartError(const std::string& bdf, const IrqSample& sample,
                                             const std::optional<DeviceOwner>& owner)
{
    if (!sample.irqs.empty() || owner)
        return std::nullopt;
    return fmt::format("{} has no vfio vector in /proc/interrupts and no process holds it open: start the VM or "
                       "program that uses it first, or measure it actively with `irqscope run --device {}`",
                       bdf, bdf);
}

Observer::Observer(ObserverConfig config)
    : m_config(std::move(config))
{}

Observer::~Observer()
{
    stop();
}

void Observer::sampleAndPublish(bool keepRates)
{
    const IrqSample sample = readIrqSample(m_config.bdf, m_config.procRoot);
    std::shared_ptr<const Snapshot> snapshot;
    {
        std::lock_guard lock(m_mutex);
        m_model.update(sample, keepRates);
        Snapshot built = m_model.snapshot(++m_generation, m_config.bdf, realtimeNs());
        applyDelivery(built);
        snapshot = std::make_shared<const Snapshot>(std::move(built));
    }
    m_exchange.publish(std::move(snapshot));
}

void Observer::applyDelivery(Snapshot& snapshot) const
{
    if (!m_config.delivery)
        return;
    for (auto& v : snapshot.vectors) {
        if (!v.observed)
            continue;
        if (!v.observed->present) {
            v.observed->deliveryReason = "gone: no host IRQ now";
            continue;
        }
        std::optional<IrteEvent> irte;
        if (const auto it = m_irte.find(v.hostIrq); it != m_irte.end() && v.hostIrq >= 0)
            irte = it->second;
        const std::optional<bool> moving =
            m_model.samples() < 2 ? std::nullopt : std::optional<bool>(v.observed->hostRateHz > 0);
        auto verdict = decideDelivery(*m_config.delivery, v.id, irte, moving);
        v.observed->delivery = verdict.mode;
        v.observed->deliveryReason = std::move(verdict.reason);
    }
}

void Observer::setIrteEvents(std::map<int, IrteEvent> events)
{
    std::lock_guard lock(m_mutex);
    m_irte = std::move(events);
}

void Observer::start()
{
    if (m_thread.joinable())
        return;
    {
        std::lock_guard lock(m_stopMutex);
        m_stopRequested = false;
    }
    sampleAndPublish();
    {
        std::lock_guard lock(m_mutex);
        m_schedule.emplace(m_model.startNs(), m_config.interval.count());
        m_schedule->advance(monotonicNs());
    }
    m_thread = std::thread([this] { run(); });
}

void Observer::run()
{
    while (true) {
        int64_t deadline = 0;
        {
            std::lock_guard lock(m_mutex);
            deadline = m_schedule->nextDeadline();
        }
        {
            // steady_clock is CLOCK_MONOTONIC, the clock of the schedule.
            std::unique_lock lock(m_stopMutex);
            const std::chrono::steady_clock::time_point at{std::chrono::nanoseconds(deadline)};
            if (m_stopCv.wait_until(lock, at, [this] { return m_stopRequested; }))
                return;
        }
        sampleAndPublish();
        std::lock_guard lock(m_mutex);
        m_schedule->advance(monotonicNs());
    }
}

void Observer::stop()
{
    {
        std::lock_guard lock(m_stopMutex);
        m_stopRequested = true;
    }
    m_stopCv.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

std::shared_ptr<const Snapshot> Observer::finalSnapshot()
{
    stop();
    sampleAndPublish(true);
    return m_exchange.latest();
}

std::vector<ObserverEvent> Observer::events() const
{
    std::lock_guard lock(m_mutex);
    return m_model.events();
}

uint64_t Observer::eventsDropped() const
{
    std::lock_guard lock(m_mutex);
    return m_model.eventsDropped();
}

uint64_t Observer::samples() const
{
    std::lock_guard lock(m_mutex);
    return m_model.samples();
}

uint64_t Observer::skipped() const
{
    std::lock_guard lock(m_mutex);
    return m_schedule ? m_schedule->skipped() : 0;
}

int64_t Observer::startNs() const
{
    std::lock_guard lock(m_mutex);
    return m_model.startNs();
}

} // namespace irqscope::core

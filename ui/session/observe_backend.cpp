#include "session/observe_backend.h"

#include <algorithm>

namespace irqscope::ui {

ObserveBackend::ObserveBackend(SessionEvents& events, const QString& bdf, const QString& procRoot,
                               const core::DeviceOwner& owner, const core::VectorSlots& slots)
    : SessionBackend(events)
    , m_owner(owner)
    , m_bdf(bdf)
{
    m_slots = slots;
    core::ObserverConfig config;
    config.bdf = bdf.toStdString();
    config.procRoot = procRoot.toStdString();
    // Each vector's delivery (host-handled or posted to a vCPU) from the owner and this host's posting facts; the
    // dashboard traces nothing, so kvm_pi_irte_update is not used (docs/observer.md "Delivery").
    m_postingFacts = core::readPostingFacts();
    config.delivery = core::DeliveryContext{owner, m_postingFacts};
    m_observer = std::make_unique<core::Observer>(config);
    m_observer->start();
    m_request.device = config.bdf;
}

void ObserveBackend::stop()
{
    m_final = inDeviceSlots(m_observer->finalSnapshot());
    if (m_shownRunning) {
        m_shownRunning = false;
        m_events.runningChanged(false);
    }
}

std::shared_ptr<const core::Snapshot> ObserveBackend::latest() const
{
    return m_final ? m_final : inDeviceSlots(m_observer->latest());
}

std::shared_ptr<const core::Snapshot>
ObserveBackend::inDeviceSlots(const std::shared_ptr<const core::Snapshot>& observed) const
{
    // The observer numbers the vectors it saw in its own order; the table's rows are the device's slots.
    if (!observed || observed == m_observedSource)
        return observed ? m_observedInSlots : nullptr;
    auto copy = std::make_shared<core::Snapshot>(*observed);
    std::vector<core::VectorSnapshot> kept;
    for (auto& v : copy->vectors) {
        if (!m_slots.contains(v.id))
            continue;
        v.slot = m_slots.slot(v.id);
        kept.push_back(std::move(v));
    }
    std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.slot < b.slot; });
    copy->vectors = std::move(kept);
    m_observedSource = observed;
    m_observedInSlots = std::move(copy);
    return m_observedInSlots;
}

void ObserveBackend::describe(ReportJob& job) const
{
    core::ObserveDescription d;
    d.owner = m_owner;
    d.intervalNs = 1'000'000'000;
    d.startNs = m_observer->startNs();
    d.samples = m_observer->samples();
    d.skipped = m_observer->skipped();
    d.postingFacts = core::postingFactsText(m_postingFacts);
    d.irteTrace = "not traced by the dashboard";
    job.observe = d;
    job.observeEvents = m_observer->events();
    job.run.stopReason = "observed (irqscope-gui)";
}

QString ObserveBackend::deviceDescription() const
{
    return QStringLiteral("%1 (observed)").arg(m_bdf);
}

} // namespace irqscope::ui

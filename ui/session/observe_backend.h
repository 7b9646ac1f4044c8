// ObserveBackend: the host-side Observer of a device another process owns (read-only, counts from
// /proc/interrupts), its vectors shown in the device's own slot layout.
#pragma once

#include "observe/observer.h"
#include "session/session_backend.h"

#include <memory>

namespace irqscope::ui {

class ObserveBackend final : public SessionBackend
{
public:
    // Starts observing `bdf` under `procRoot`; `slots` is the device's layout (from its config space).
    ObserveBackend(SessionEvents& events, const QString& bdf, const QString& procRoot, const core::DeviceOwner& owner,
                   const core::VectorSlots& slots);

    SessionMode mode() const override { return SessionMode::Observe; }
    bool running() const override { return m_shownRunning; }
    bool shownRunning() const override { return m_shownRunning; }
    // Takes the final sample at once.
    void stop() override;

    std::shared_ptr<const core::Snapshot> latest() const override;
    void describe(ReportJob& job) const override;
    QString deviceDescription() const override;
    const core::DeviceOwner& owner() const override { return m_owner; }

private:
    std::shared_ptr<const core::Snapshot> inDeviceSlots(const std::shared_ptr<const core::Snapshot>& observed) const;

    std::unique_ptr<core::Observer> m_observer;
    core::DeviceOwner m_owner;
    core::PostingFacts m_postingFacts;
    QString m_bdf;
    bool m_shownRunning = true;
    std::shared_ptr<const core::Snapshot> m_final;
    mutable std::shared_ptr<const core::Snapshot> m_observedSource; // the observer's latest, remapped below
    mutable std::shared_ptr<const core::Snapshot> m_observedInSlots;
};

} // namespace irqscope::ui

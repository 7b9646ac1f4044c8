// SessionBackend: one mode of a MeasurementSession (live, replay, observe), behind one interface so that the
// session holds one backend instead of switching on its mode. A backend reports what happens (command results,
// running turning false, a finished stop) through SessionEvents, which the session turns into its signals.
#pragma once

#include "base/vector_spec.h"
#include "device/open_device.h"
#include "engine/engine.h"
#include "session/report_export.h"
#include "stats/snapshot.h"
#include "vfio/device_owner.h"

#include <QString>

#include <array>
#include <cstddef>
#include <memory>
#include <vector>

namespace irqscope::ui {

class ReplayPlayer;

// What the user sets in the engine settings panel; applied when the engine starts.
struct EngineSettings
{
    int coreCpu = -1;     // -1: the first allowed CPU
    int fifoPriority = 0; // 0: SCHED_OTHER
    bool mlock = false;
    core::TriggerMode triggerMode = core::TriggerMode::Loopback;
    double rateHz = 1000;
};

enum class SessionMode
{
    Closed,
    Live,    // a device irqscope opened and drives
    Replay,  // a recording: read-only
    Observe, // a device another process owns: read-only, host-side counts only
};

// Called on the GUI thread only.
class SessionEvents
{
public:
    virtual ~SessionEvents() = default;
    virtual void commandFinished(const QString& what, int error, const QString& message) = 0;
    virtual void runningChanged(bool running) = 0;
    virtual void stopFinished() = 0;
};

// Threads: every call from the GUI thread. A backend that started (start(), playing, observing) has told the
// session so; the session emits runningChanged(true) itself.
class SessionBackend
{
public:
    explicit SessionBackend(SessionEvents& events)
        : m_events(events)
    {}
    virtual ~SessionBackend() = default;
    SessionBackend(const SessionBackend&) = delete;
    SessionBackend& operator=(const SessionBackend&) = delete;

    virtual SessionMode mode() const = 0;
    // Ends what runs, waiting for a stop in progress (whose outcome is reported). Called before destruction.
    virtual void shutdown() {}
    // Live: the core thread runs; replay: samples are still being played; observe: the observer samples.
    virtual bool running() const = 0;
    // True while the session has shown "running" and no runningChanged(false) followed: a shutdown then ends
    // with one.
    virtual bool shownRunning() const = 0;

    // Live only (the others answer "no device is open"): see MeasurementSession::start().
    virtual QString start(const EngineSettings& settings, const std::vector<core::VectorRange>& arm,
                          const std::vector<core::VectorRange>& trigger);
    virtual void stop() = 0;
    virtual bool stopping() const { return false; }
    virtual void waitStopped() {}

    // Live: queues the command; the others answer at once that the engine is not running.
    virtual void post(const core::Command& command, const QString& what);
    // Collects what arrived since the last poll; never waits.
    virtual void poll() {}
    virtual std::size_t pendingCommands() const { return 0; }
    virtual void resetStatistics();

    // The newest snapshot (the final one once stopped); null before the first.
    virtual std::shared_ptr<const core::Snapshot> latest() const = 0;
    // Adds this mode's part to an export job (the session filled in the snapshot and the common fields).
    virtual void describe(ReportJob& job) const = 0;
    virtual QString deviceId() const { return QString::fromStdString(m_request.device); }
    virtual QString deviceDescription() const = 0;
    virtual core::EngineStatus engineStatus() const { return {}; }

    virtual const core::DeviceProfile& profile() const;
    // Whether device-raised triggers can raise anything: the profile's recipes, or a command trigger (NVMe).
    virtual bool deviceCanRaise() const { return profile().raisesAny(); }
    virtual const EngineSettings& settings() const;
    virtual ReplayPlayer* replay() const { return nullptr; }
    virtual QString recordingPath() const { return {}; }
    virtual const core::DeviceOwner& owner() const;

    const core::DeviceRequest& request() const { return m_request; }
    const core::VectorSlots& slots() const { return m_slots; }
    const core::IrqInfo& irqInfo(core::IrqIndex index) const { return m_irqInfo[static_cast<uint32_t>(index)]; }

protected:
    SessionEvents& m_events;
    core::DeviceRequest m_request;
    core::VectorSlots m_slots;
    std::array<core::IrqInfo, core::kNumPciIrqIndexes> m_irqInfo{};
};

} // namespace irqscope::ui

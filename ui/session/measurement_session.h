// MeasurementSession: the dashboard's side of the engine. It owns the opened device, the Engine (rebuilt on each
// start, because the core CPU and scheduling are fixed when the core thread starts) and the Aggregator, posts
// commands from the GUI thread and collects their results without blocking it (pollResults() on the UI timer).
#pragma once

#include "engine/engine.h"
#include "stats/aggregator.h"
#include "stats/stats_source.h"
#include "util/vector_spec.h"
#include "vfio/open_device.h"

#include <QObject>
#include <QString>

#include <array>
#include <chrono>
#include <memory>
#include <vector>

namespace irqscope::ui {

// What the user sets in the engine settings panel; applied when the engine starts.
struct EngineSettings
{
    int coreCpu = -1;     // -1: the first allowed CPU
    int fifoPriority = 0; // 0: SCHED_OTHER
    bool mlock = false;
    core::TriggerMode triggerMode = core::TriggerMode::Loopback;
    double rateHz = 1000;
};

class MeasurementSession final : public QObject
{
    Q_OBJECT
public:
    explicit MeasurementSession(QObject* parent = nullptr);
    ~MeasurementSession() override; // stops the engine: every vector is disarmed

    // Opens a device (closing the previous one). Returns an empty string, or a one-line error.
    QString open(const core::DeviceRequest& request);
    void close();
    bool isOpen() const { return m_opened.device != nullptr; }

    // Starts the core thread with `settings`, then arms `arm` and starts triggering `trigger` (start-up arming,
    // waited for with a short timeout). Returns an empty string, or a one-line error (nothing runs then).
    QString start(const EngineSettings& settings, const std::vector<core::VectorRange>& arm = {},
                  const std::vector<core::VectorRange>& trigger = {});
    // Stops triggering, disarms everything, joins the core thread and keeps the final snapshot on show.
    void stop();
    bool running() const;
    // Incremented by every start(): snapshot generations restart with each aggregator.
    uint64_t epoch() const { return m_epoch; }

    // Queues a command; its result arrives through commandFinished() from a later pollResults(). `what` names
    // it in the log ("arm msix:0-7").
    void post(const core::Command& command, const QString& what);
    // Collects the results that arrived; never waits. Call from the UI timer.
    void pollResults();
    std::size_t pendingCommands() const { return m_pending.size(); }

    // ResetStats on the core thread plus the aggregator's histograms.
    void resetStatistics();

    // The newest snapshot: the aggregator's while running, the final one after stop(); null before the first.
    std::shared_ptr<const core::Snapshot> latest() const;

    const core::VectorSlots& slots() const { return m_slots; }
    const core::IrqInfo& irqInfo(core::IrqIndex index) const { return m_irqInfo[static_cast<uint32_t>(index)]; }
    const core::DeviceProfile& profile() const { return m_opened.profile; }
    const core::DeviceRequest& request() const { return m_request; }
    QString deviceId() const;
    QString deviceDescription() const;
    const EngineSettings& settings() const { return m_settings; }
    // The engine's status (running or last run); default-constructed before the first start.
    core::EngineStatus engineStatus() const;

Q_SIGNALS:
    void commandFinished(const QString& what, int error, const QString& message);
    void runningChanged(bool running);

private:
    struct Pending
    {
        uint64_t token = 0;
        QString what;
    };

    void teardownEngine();
    void collectResults();

    core::DeviceRequest m_request;
    core::OpenedDevice m_opened;
    core::VectorSlots m_slots;
    std::array<core::IrqInfo, core::kNumPciIrqIndexes> m_irqInfo{};
    EngineSettings m_settings;
    // Declared in dependency order: destroyed aggregator first, then its source, then the engine.
    std::unique_ptr<core::Engine> m_engine;
    std::unique_ptr<core::EngineStatsSource> m_source;
    std::unique_ptr<core::Aggregator> m_aggregator;
    std::shared_ptr<const core::Snapshot> m_final;
    std::vector<Pending> m_pending;
    uint64_t m_epoch = 0;
    bool m_wasRunning = false;
};

} // namespace irqscope::ui

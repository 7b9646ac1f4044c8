// Observer: watches the vfio vectors of a device another process owns, from the host side. Its thread samples
// procfs at absolute deadlines (SamplerSchedule), feeds an ObserverModel and publishes Snapshots (latest wins)
// like the Aggregator does in active mode. It arms nothing, fires nothing and opens no VFIO node.
#pragma once

#include "observe/irq_delivery.h"
#include "observe/observer_model.h"
#include "observe/sampler_schedule.h"
#include "stats/snapshot_exchange.h"
#include "vfio/device_owner.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace irqscope::core {

struct ObserverConfig
{
    std::string bdf;                                  // normalised PCI address
    std::string procRoot = "/proc";                   // tests point it at a fake tree
    std::chrono::nanoseconds interval{1'000'000'000}; // sampling interval
    // Who owns the device and what the host can post: each vector's delivery is decided from these at every
    // sample (observe/irq_delivery.h). Without it, delivery stays unknown.
    std::optional<DeliveryContext> delivery;
};

// Why observing `bdf` makes no sense (one line, with what to do), or std::nullopt: a device with no vfio vector
// in `sample` is still worth watching when a process owns it (its guest may enable vectors later).
std::optional<std::string> observeStartError(const std::string& bdf, const IrqSample& sample,
                                             const std::optional<DeviceOwner>& owner);

// Threads: start()/stop()/finalSnapshot() from one controlling thread; latest(), exchange(), events(),
// samples() and skipped() from any thread.
class Observer
{
public:
    explicit Observer(ObserverConfig config);
    ~Observer(); // stop()
    Observer(const Observer&) = delete;
    Observer& operator=(const Observer&) = delete;

    // Takes the baseline sample, publishes the first snapshot and starts the sampling thread.
    void start();
    // Stops and joins the thread. Idempotent.
    void stop();

    std::shared_ptr<const Snapshot> latest() const { return m_exchange.latest(); }
    const SnapshotExchange& exchange() const { return m_exchange; }

    // Stops the thread, takes one last sample (so the counts run up to now) and publishes it.
    std::shared_ptr<const Snapshot> finalSnapshot();

    // The latest kvm:kvm_pi_irte_update state per host IRQ (IrteLog::latest()), used from the next sample on.
    void setIrteEvents(std::map<int, IrteEvent> events);

    std::vector<ObserverEvent> events() const;
    uint64_t eventsDropped() const;
    uint64_t samples() const;
    uint64_t skipped() const; // deadlines missed because a sample came more than an interval late
    int64_t startNs() const;

private:
    void run();
    void sampleAndPublish(bool keepRates = false);

    ObserverConfig m_config;
    SnapshotExchange m_exchange;
    void applyDelivery(Snapshot& snapshot) const; // under m_mutex

    mutable std::mutex m_mutex; // guards m_model, m_schedule, m_generation, m_irte
    ObserverModel m_model;
    std::optional<SamplerSchedule> m_schedule;
    uint64_t m_generation = 0;
    std::map<int, IrteEvent> m_irte;
    std::mutex m_stopMutex;
    std::condition_variable m_stopCv;
    bool m_stopRequested = false;
    std::thread m_thread;
};

} // namespace irqscope::core

// Throughput bench building blocks: the plan of one run (N eventfds, CPUs, duration), the producer-bound
// producer every consumer shares (write(2) of 1 to each eventfd round-robin, as fast as it can), and what one
// run measured. A Consumer drains the eventfds with one mechanism until every produced signal is accounted for.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irqscope::bench {

struct TputPlan
{
    uint32_t fds = 64;
    int producerCpu = 0;
    int consumerCpu = 1;
    double seconds = 1.0;
};

struct TputResult
{
    uint64_t produced = 0;
    uint64_t consumed = 0;   // signals accounted for (sum of the eventfd counter values read)
    uint64_t deliveries = 0; // reads or CQEs that returned them
    double producerSeconds = 0;
    int64_t consumerCpuNs = 0; // the consuming thread (irqscope: its core thread)
    int64_t helperCpuNs = 0;   // irqscope only: its aggregator thread
    uint64_t ringDrops = 0;    // irqscope only: samples lost to a full sample ring (counts stay exact)
    std::optional<std::string> error;

    double signalsPerSec() const { return producerSeconds > 0 ? static_cast<double>(produced) / producerSeconds : 0; }
    double consumerNsPerSignal() const
    {
        return consumed ? static_cast<double>(consumerCpuNs) / static_cast<double>(consumed) : 0;
    }
    double coalescing() const
    {
        return deliveries ? static_cast<double>(consumed) / static_cast<double>(deliveries) : 0;
    }
    bool balanced() const { return !error && produced == consumed; }
};

// The shared producer, on its own thread pinned to plan.producerCpu. `done` is set (release) when it stops.
class Producer
{
public:
    void run(const TputPlan& plan, const std::vector<int>& fds);
    uint64_t produced() const { return m_produced.load(std::memory_order_acquire); }
    bool done() const { return m_done.load(std::memory_order_acquire); }
    double seconds() const { return m_seconds; }
    bool failed() const { return m_failed; }

private:
    std::atomic<uint64_t> m_produced{0};
    std::atomic<bool> m_done{false};
    double m_seconds = 0;
    bool m_failed = false;
};

class Consumer
{
public:
    virtual ~Consumer() = default;
    virtual std::string_view name() const = 0;
    virtual bool isIrqscope() const { return false; }
    virtual TputResult run(const TputPlan& plan) = 0;
};

// How long a consumer may take, after the producer stopped, to account for the last signals.
inline constexpr int64_t kDrainGraceNs = 2'000'000'000;

std::unique_ptr<Consumer> makeWriteCeiling(); // no consumer at all: the producer's bare write(2) rate
std::unique_ptr<Consumer> makeEpollConsumer();
std::unique_ptr<Consumer> makeUringConsumer();
std::unique_ptr<Consumer> makeEngineConsumer();

} // namespace irqscope::bench

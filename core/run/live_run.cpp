// LiveRun: the start-up order (resolve, engine, arm, host baseline, trigger, aggregator) and the stop order.
#include "run/live_run.h"

#include "base/monotonic_clock.h"
#include "run/vector_ranges.h"

#include <unistd.h>

namespace irqscope::core {

namespace {

constexpr int64_t kHostRefreshNs = 250'000'000; // /proc/interrupts is read at most this often while running
// Device-raised runs: the device's own interrupt moderation timers run out before its vectors are disabled
// (QEMU's e1000e aborts when one fires after MSI-X is off; its throttle is ~128 us).
constexpr useconds_t kDeviceSettleUs = 10'000;
constexpr int64_t kSetUpMessagesWaitNs = 1'000'000'000;

EngineConfig withProfile(EngineConfig config, const OpenedDevice& opened)
{
    config.profile = &opened.profile;
    config.commandTrigger = opened.commandTrigger.get();
    return config;
}

} // namespace

LiveRun::LiveRun(OpenedDevice& opened, LiveRunConfig config)
    : m_profile(opened.profile)
    , m_commandTrigger(opened.commandTrigger.get())
    , m_deviceLabel(config.deviceLabel.empty() ? opened.device->info().id : config.deviceLabel)
    , m_commandTimeout(config.commandTimeout)
    , m_engine(*opened.device, withProfile(config.engine, opened))
    , m_source(m_engine)
{
    const std::string& id = opened.device->info().id;
    if (config.trackHostIrqs.value_or(id != "sim"))
        m_host = std::make_unique<HostIrqTracker>(id, config.procRoot);
}

LiveRun::~LiveRun()
{
    stop();
}

std::string LiveRun::resolve(std::vector<VectorRange>& ranges) const
{
    for (auto& r : ranges) {
        if (std::string err = resolveVectorRange(r, m_engine.slots(), m_deviceLabel); !err.empty())
            return err;
        if (m_engine.config().triggerMode == TriggerMode::Device) {
            std::string err = m_commandTrigger ? checkCommandTriggerCanRaise(r, *m_commandTrigger)
                                               : checkProfileCanRaise(r, m_profile);
            if (!err.empty())
                return err;
        }
    }
    return {};
}

std::optional<std::string> LiveRun::startEngine()
{
    // A command trigger's controller comes up (reset, admin queue, DMA memory) before anything is armed, so a
    // controller that cannot is one line with nothing left behind (docs/dma-triggers.md §3).
    if (m_commandTrigger && m_engine.config().triggerMode == TriggerMode::Device) {
        if (std::string error = m_commandTrigger->prepare(); !error.empty())
            return error;
    }
    return m_engine.start();
}

std::string LiveRun::commandEach(CommandKind kind, const std::vector<VectorRange>& ranges)
{
    for (const auto& r : ranges) {
        Command c;
        c.kind = kind;
        c.index = r.index;
        c.start = r.start;
        c.count = r.count;
        if (const auto result = m_engine.execute(c, m_commandTimeout); result.error)
            return std::string(result.text());
    }
    return {};
}

std::string LiveRun::arm(const std::vector<VectorRange>& ranges)
{
    if (std::string err = commandEach(CommandKind::Arm, ranges); !err.empty())
        return err;
    waitForSetUpMessages();
    if (m_host)
        m_host->sample(); // the baseline
    return {};
}

void LiveRun::refreshHostIrqs()
{
    if (m_host)
        m_host->sample();
}

void LiveRun::holdIrqThreads()
{
    if (!m_host)
        return;
    m_host->sample();
    m_host->holdThreads();
}

std::string LiveRun::startTriggering(const std::vector<VectorRange>& ranges)
{
    if (m_engine.config().triggerMode == TriggerMode::None)
        return {};
    return commandEach(CommandKind::StartTriggering, ranges);
}

void LiveRun::startAggregator(AggregatorConfig config, const std::function<void(Aggregator&)>& prepare)
{
    m_aggregator = std::make_unique<Aggregator>(m_source, config);
    if (m_host) {
        m_aggregator->setSnapshotDecorator([host = m_host.get()](Snapshot& snap) {
            host->refresh(snap.monotonicNs, kHostRefreshNs);
            host->apply(snap);
        });
    }
    if (prepare)
        prepare(*m_aggregator);
    m_aggregator->start();
}

std::shared_ptr<const Snapshot> LiveRun::latest() const
{
    return m_aggregator ? m_aggregator->latest() : nullptr;
}

// A command trigger's set-up commands interrupt on MSI-X vector 0 (NVMe's admin queue): once they are counted as
// the device's own, none of them can be taken for the completion of the first trigger, and the host-IRQ baseline
// includes them. Bounded: two messages that reach the CPU together are one interrupt (and one eventfd signal).
void LiveRun::waitForSetUpMessages() const
{
    if (!m_commandTrigger || m_engine.config().triggerMode != TriggerMode::Device)
        return;
    const VectorSlots& slots = m_engine.slots();
    const VectorId vector0{IrqIndex::Msix, 0};
    if (!slots.contains(vector0))
        return;
    const uint32_t slot = slots.slot(vector0);
    const int64_t giveUp = monotonicNs() + kSetUpMessagesWaitNs;
    while (monotonicNs() < giveUp) {
        const CountersCopy c = m_engine.counters(slot).read();
        if (!(c.state & vstate::kArmed) || c.deviceOriginated + c.spurious >= m_commandTrigger->vectorZeroMessages())
            return;
        usleep(1000);
    }
}

void LiveRun::stopTriggeringAll()
{
    // Every vector in the trigger generator's set, as runs of consecutive slots of one index: the set may have
    // changed since startTriggering() (the dashboard posts its own commands).
    std::vector<VectorRange> triggering;
    const VectorSlots& slots = m_engine.slots();
    for (uint32_t slot = 0; slot < slots.size(); ++slot) {
        if (!(m_engine.counters(slot).read().state & vstate::kTriggering))
            continue;
        const VectorId id = slots.id(slot);
        VectorRange* last = triggering.empty() ? nullptr : &triggering.back();
        if (last && last->index == id.index && last->start + last->count == id.sub)
            ++last->count;
        else
            triggering.push_back({id.index, id.sub, 1});
    }
    (void)commandEach(CommandKind::StopTriggering, triggering);
}

void LiveRun::waitInFlight(int64_t untilNs) const
{
    while (monotonicNs() < untilNs) {
        uint64_t inFlight = 0;
        for (uint32_t slot = 0; slot < m_engine.slots().size(); ++slot)
            inFlight += m_engine.counters(slot).read().inFlight;
        if (inFlight == 0)
            return;
        usleep(1000);
    }
}

LiveRunEnd LiveRun::stop()
{
    if (m_stopped)
        return m_end;
    m_stopped = true;
    if (m_host && m_engine.running()) {
        // The final host counts are read before the disarm takes each vector's host IRQ away, once triggering
        // stopped and what was in flight completed (or the deadline passed).
        stopTriggeringAll();
        waitInFlight(monotonicNs() + m_engine.config().deadline.count());
        if (m_engine.status().triggerMode == TriggerMode::Device)
            usleep(kDeviceSettleUs);
        m_host->sample();
    }
    m_engine.stop();
    if (m_commandTrigger)
        m_commandTrigger->shutdown(); // queues gone with the disarm; the controller disabled, its memory unmapped
    if (m_aggregator) {
        m_aggregator->stop();
        m_end.final = m_aggregator->finalSnapshot();
    }
    m_end.status = m_engine.status();
    return m_end;
}

} // namespace irqscope::core

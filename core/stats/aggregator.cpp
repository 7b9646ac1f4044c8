// Aggregator: the drain/publish loop, sample accounting into histograms and reasons, and snapshot building.
#include "stats/aggregator.h"

#include "base/monotonic_clock.h"
#include "stats/latency_summary.h"
#include "stats/sample_text.h"

#include <algorithm>

namespace irqscope::core {

namespace {

bool everActive(const CountersCopy& c)
{
    return (c.state & vstate::kArmed) || c.triggered || c.completed || c.coalesced || c.missed || c.spurious ||
           c.deviceOriginated || c.errors || c.skipped || c.requested;
}

} // namespace

Aggregator::Aggregator(StatsSource& source, AggregatorConfig config)
    : m_source(source)
    , m_config(config)
    , m_batch(std::max<std::size_t>(config.batchSize, 1))
    , m_createdNs(source.nowNs())
    , m_sampleRate(config.rateWindow.count())
{
    const uint32_t n = source.slots().size();
    m_vectors.reserve(n);
    for (uint32_t i = 0; i < n; ++i)
        m_vectors.emplace_back(config.rateWindow.count());
    m_events.reserve(n);
    for (uint32_t i = 0; i < n; ++i)
        m_events.emplace_back(config.eventsPerVector);
}

Aggregator::~Aggregator()
{
    stop();
}

void Aggregator::start()
{
    if (m_thread.joinable())
        return;
    {
        std::lock_guard lock(m_stopMutex);
        m_stopRequested = false;
    }
    m_thread = std::thread([this] { run(); });
}

void Aggregator::stop()
{
    {
        std::lock_guard lock(m_stopMutex);
        m_stopRequested = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

void Aggregator::run()
{
    using Clock = std::chrono::steady_clock;
    auto nextPublish = Clock::now();
    std::unique_lock stopLock(m_stopMutex);
    while (!m_stopRequested) {
        stopLock.unlock();
        {
            std::lock_guard work(m_workMutex);
            drain();
            const auto now = Clock::now();
            if (now >= nextPublish) {
                m_exchange.publish(build());
                nextPublish += m_config.publishInterval;
                if (nextPublish <= now) // a late pass does not cause a burst of catch-up snapshots
                    nextPublish = now + m_config.publishInterval;
            }
        }
        stopLock.lock();
        const auto untilPublish = nextPublish - Clock::now();
        m_wake.wait_for(stopLock, std::min<Clock::duration>(m_config.drainInterval, untilPublish),
                        [this] { return m_stopRequested; });
    }
}

std::shared_ptr<const Snapshot> Aggregator::finalSnapshot()
{
    stop();
    std::lock_guard work(m_workMutex);
    drain();
    auto snapshot = build();
    m_exchange.publish(snapshot);
    return snapshot;
}

std::vector<VectorEvent> Aggregator::events(uint32_t slot) const
{
    std::lock_guard lock(m_eventsMutex);
    if (slot >= m_events.size())
        return {};
    return m_events[slot].events();
}

void Aggregator::drain()
{
    if (m_resetRequested.exchange(false, std::memory_order_acq_rel)) {
        for (auto& v : m_vectors) {
            if (v.total)
                v.total->reset();
            if (v.interval)
                v.interval->reset();
            if (v.deliveryTotal)
                v.deliveryTotal->reset();
            if (v.deliveryInterval)
                v.deliveryInterval->reset();
            v.deliveryUnstamped = 0;
        }
        m_floor.reset();
    }
    // At most one ring's worth per pass, so a producer faster than us cannot hold off publication.
    auto& ring = m_source.samples();
    std::size_t budget = ring.capacity();
    while (budget > 0) {
        const std::size_t n = ring.popBatch(m_batch.data(), std::min(m_batch.size(), budget));
        for (std::size_t i = 0; i < n; ++i)
            apply(m_batch[i]);
        if (m_sink && n > 0)
            m_sink(m_batch.data(), n);
        m_samplesDrained.fetch_add(n, std::memory_order_relaxed);
        budget -= n;
        if (n < m_batch.size())
            break;
    }
}

void Aggregator::apply(const Sample& s)
{
    if (s.kind == SampleKind::Floor) { // not a vector's: its slot means nothing
        if (s.latencyNs() > 0)
            m_floor.record(s.latencyNs());
        return;
    }
    if (s.slot >= m_vectors.size())
        return;
    VectorStats& v = m_vectors[s.slot];
    v.active = true;
    switch (s.kind) {
    case SampleKind::Completion: {
        if (!v.total) {
            v.total = std::make_unique<LogHistogram>();
            v.interval = std::make_unique<LogHistogram>();
        }
        const int64_t latency = s.latencyNs();
        if (latency > 0) {
            v.total->record(latency);
            v.interval->record(latency);
            if (s.deliveryTracked()) // counted with the round trips it belongs to: count = stamped + unstamped
                applyDelivery(s, v);
        }
        break;
    }
    case SampleKind::Missed:
        if (!v.stuck) // the stuck diagnosis explains the misses that follow it
            v.lastError = missedText(static_cast<int>(s.value));
        break;
    case SampleKind::Unsolicited:
        // Completions the device raised by itself are normal when irqscope is not triggering the vector; the core
        // thread decided which it was when it counted them (an NVMe controller's admin completions on vector 0,
        // before triggering starts, are the device's own even if triggering has started by the time they are read).
        if (s.flags & sampleflag::kSpurious)
            v.lastError = spuriousText(s.value);
        break;
    case SampleKind::Event:
        applyEvent(s, v);
        break;
    case SampleKind::Floor:
        break;
    }
}

void Aggregator::applyDelivery(const Sample& s, VectorStats& v)
{
    v.deliveryTracked = true;
    const int64_t delivery = s.deliveryNs();
    if (s.visibleNs <= 0 || delivery < 0) {
        ++v.deliveryUnstamped;
        return;
    }
    if (!v.deliveryTotal) {
        v.deliveryTotal = std::make_unique<LogHistogram>();
        v.deliveryInterval = std::make_unique<LogHistogram>();
    }
    v.deliveryTotal->record(delivery);
    v.deliveryInterval->record(delivery);
}

void Aggregator::applyEvent(const Sample& s, VectorStats& v)
{
    const auto code = static_cast<EventCode>(s.value);
    const int error = code == EventCode::Error ? static_cast<int>(s.seq) : 0;
    switch (code) {
    case EventCode::Armed:
        v.lastError.clear();
        v.stuck = false;
        break;
    case EventCode::Error:
        v.lastError = errorEventText(error);
        v.stuck = false;
        break;
    case EventCode::StuckMask:
        v.lastError = stuckText(m_source.slots().id(s.slot));
        v.stuck = true;
        break;
    case EventCode::Unmasked:
    case EventCode::Disarmed:
        v.stuck = false; // the diagnosis stays readable until something replaces it
        break;
    case EventCode::Masked:
    case EventCode::Automasked:
        break;
    }
    std::lock_guard lock(m_eventsMutex);
    m_events[s.slot].push(VectorEvent{s.completionNs, code, error});
}

std::shared_ptr<const Snapshot> Aggregator::build()
{
    auto snap = std::make_shared<Snapshot>();
    const int64_t now = m_source.nowNs(); // the source's time: rates and elapsed (StatsSource::nowNs)
    snap->generation = ++m_generation;
    snap->monotonicNs = monotonicNs(); // when it was built, for its age
    snap->wallTimeNs = realtimeNs();
    snap->deviceId = m_source.deviceId();
    snap->engine = m_source.status();
    const auto& ring = m_source.samples();
    snap->engine.ringDrops = std::max(snap->engine.ringDrops, ring.dropped());
    const int64_t started = snap->engine.startedNs > 0 ? snap->engine.startedNs : m_createdNs;
    snap->elapsedSec = static_cast<double>(std::max<int64_t>(0, now - started)) / 1e9;
    snap->samplesPerSec = m_sampleRate.update(now, {m_samplesDrained.load(std::memory_order_relaxed)})[0];

    const auto& slots = m_source.slots();
    for (uint32_t slot = 0; slot < m_vectors.size(); ++slot) {
        VectorStats& v = m_vectors[slot];
        const CountersCopy c = m_source.counters(slot).read();
        v.active = v.active || everActive(c);
        if (!v.active)
            continue;
        VectorSnapshot& out = snap->vectors.emplace_back();
        out.slot = slot;
        out.id = slots.id(slot);
        out.name = vectorName(out.id);
        out.counters = c;
        const uint64_t completions = c.completed + c.coalesced + c.spurious + c.deviceOriginated;
        const auto rates = v.rates.update(now, {c.triggered, completions});
        out.triggerRateHz = rates[0];
        out.completionRateHz = rates[1];
        if (v.total) {
            out.latency = summarizeLatency(*v.total);
            out.interval = summarizeLatency(*v.interval);
            v.interval->reset();
            v.total->forEachBucket(
                [&out](const HistogramBucket& b) { out.histogram.emplace_back(b.lowerNs, b.count); });
        }
        out.deliveryTracked = v.deliveryTracked;
        out.deliveryUnstamped = v.deliveryUnstamped;
        if (v.deliveryTotal) {
            out.delivery = summarizeLatency(*v.deliveryTotal);
            out.deliveryInterval = summarizeLatency(*v.deliveryInterval);
            v.deliveryInterval->reset();
            v.deliveryTotal->forEachBucket(
                [&out](const HistogramBucket& b) { out.deliveryHistogram.emplace_back(b.lowerNs, b.count); });
        }
        out.lastError = v.lastError;
    }
    snap->floor = summarizeLatency(m_floor);
    m_floor.forEachBucket([&snap](const HistogramBucket& b) { snap->floorHistogram.emplace_back(b.lowerNs, b.count); });
    if (m_decorator)
        m_decorator(*snap);
    return snap;
}

} // namespace irqscope::core

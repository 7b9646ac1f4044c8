#include "stats/aggregator.h"

#include "engine/monotonic_clock.h"
#include "vfio/irq_device.h"

#include <fmt/format.h>

#include <cstring>

namespace irqscope::core {

namespace {

constexpr std::size_t kBatch = 4096;
constexpr std::size_t kMaxEvents = 256;

LatencySummary summarize(const LogHistogram* h)
{
    LatencySummary s;
    if (!h || h->count() == 0)
        return s;
    s.count = h->count();
    s.minNs = h->min();
    s.maxNs = h->max();
    s.meanNs = h->mean();
    s.p50Ns = h->percentile(0.5);
    s.p90Ns = h->percentile(0.9);
    s.p99Ns = h->percentile(0.99);
    s.p999Ns = h->percentile(0.999);
    s.p9999Ns = h->percentile(0.9999);
    return s;
}

std::string errnoText(int err)
{
    const char* name = strerrorname_np(err);
    const char* text = strerrordesc_np(err);
    return fmt::format("{} ({})", text ? text : "unknown error", name ? name : "?");
}

} // namespace

EngineStatsSource::EngineStatsSource(Engine& engine)
    : m_engine(engine)
    , m_deviceId(engine.device().info().id)
{}

Aggregator::Aggregator(StatsSource& source, AggregatorConfig config)
    : m_source(source)
    , m_config(config)
    , m_vectors(source.slots().size())
    , m_batch(kBatch)
    , m_events(source.slots().size())
{
    m_startNs = monotonicNs();
    m_lastBuildNs = m_startNs;
}

Aggregator::~Aggregator()
{
    stop();
}

void Aggregator::start()
{
    const auto started = m_source.status().startedNs;
    if (started > 0)
        m_startNs = started;
    m_stop.store(false);
    m_thread = std::thread([this] { run(); });
}

void Aggregator::stop()
{
    m_stop.store(true, std::memory_order_release);
    if (m_thread.joinable())
        m_thread.join();
}

void Aggregator::run()
{
    auto nextPublish = std::chrono::steady_clock::now();
    while (!m_stop.load(std::memory_order_acquire)) {
        {
            std::lock_guard lock(m_workMutex);
            drain();
            if (std::chrono::steady_clock::now() >= nextPublish) {
                m_exchange.publish(build());
                nextPublish += m_config.publishInterval;
                if (nextPublish < std::chrono::steady_clock::now())
                    nextPublish = std::chrono::steady_clock::now() + m_config.publishInterval;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

std::shared_ptr<const Snapshot> Aggregator::finalSnapshot()
{
    std::lock_guard lock(m_workMutex);
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
    return {m_events[slot].begin(), m_events[slot].end()};
}

void Aggregator::drain()
{
    if (m_resetRequested.exchange(false, std::memory_order_acq_rel)) {
        for (auto& v : m_vectors) {
            if (v.total)
                v.total->reset();
            if (v.interval)
                v.interval->reset();
        }
    }
    auto& ring = m_source.samples();
    for (;;) {
        const std::size_t n = ring.popBatch(m_batch.data(), m_batch.size());
        for (std::size_t i = 0; i < n; ++i)
            apply(m_batch[i]);
        if (n < m_batch.size())
            break;
    }
}

void Aggregator::apply(const Sample& s)
{
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
        }
        break;
    }
    case SampleKind::Missed:
        if (v.lastError.rfind("stuck", 0) == 0)
            break; // the stuck diagnosis explains the misses that follow it
        if (s.value == ETIME)
            v.lastError = "missed: no completion before the deadline";
        else if (s.value == ESHUTDOWN)
            v.lastError = "missed: disarmed before the completion arrived";
        else
            v.lastError = "missed: the trigger call failed";
        break;
    case SampleKind::Unsolicited:
        break;
    case SampleKind::Event: {
        const auto code = static_cast<EventCode>(s.value);
        if (code == EventCode::Error)
            v.lastError = "error: " + errnoText(static_cast<int>(s.seq));
        else if (code == EventCode::StuckMask)
            v.lastError = "stuck: triggers keep missing while the vector should be unmasked";
        else if (code == EventCode::Armed)
            v.lastError.clear();
        if (code == EventCode::Disarmed && v.lastError.rfind("stuck", 0) != 0 &&
            v.lastError.rfind("missed: dis", 0) == 0)
            v.lastError.clear();
        std::lock_guard lock(m_eventsMutex);
        auto& events = m_events[s.slot];
        events.push_back({s.completionNs, code, code == EventCode::Error ? static_cast<int>(s.seq) : 0});
        if (events.size() > kMaxEvents)
            events.pop_front();
        break;
    }
    }
}

std::shared_ptr<const Snapshot> Aggregator::build()
{
    auto snap = std::make_shared<Snapshot>();
    const int64_t now = monotonicNs();
    snap->generation = ++m_generation;
    snap->monotonicNs = now;
    snap->wallTimeNs = realtimeNs();
    snap->elapsedSec = static_cast<double>(now - m_startNs) / 1e9;
    snap->deviceId = m_source.deviceId();
    snap->engine = m_source.status();
    const double dt = static_cast<double>(now - m_lastBuildNs) / 1e9;
    if (dt > 0.05) {
        const uint64_t samples = snap->engine.samplesPushed;
        const double instant = static_cast<double>(samples - m_lastSamples) / dt;
        m_samplesPerSec = m_samplesPerSec == 0 ? instant : 0.7 * m_samplesPerSec + 0.3 * instant;
        m_lastSamples = samples;
        m_lastBuildNs = now;
    }
    snap->samplesPerSec = m_samplesPerSec;

    const auto& slots = m_source.slots();
    const int64_t window = std::chrono::duration_cast<std::chrono::nanoseconds>(m_config.rateWindow).count();
    for (uint32_t slot = 0; slot < slots.size(); ++slot) {
        VectorStats& v = m_vectors[slot];
        const CountersCopy c = m_source.counters(slot).read();
        if (!v.active && !(c.state & vstate::kArmed) && c.triggered == 0 && c.completed == 0 &&
            c.deviceOriginated == 0 && c.errors == 0)
            continue;
        v.active = true;
        VectorSnapshot out;
        out.slot = slot;
        out.id = slots.id(slot);
        out.name = vectorName(out.id);
        out.counters = c;
        // Rates over the sliding window.
        v.history.emplace_back(now, c);
        while (v.history.size() > 2 && now - v.history[1].first >= window)
            v.history.pop_front();
        const auto& [t0, c0] = v.history.front();
        const double span = static_cast<double>(now - t0) / 1e9;
        if (span > 0 && c.triggered >= c0.triggered) {
            const uint64_t done = c.completed + c.coalesced + c.spurious + c.deviceOriginated;
            const uint64_t done0 = c0.completed + c0.coalesced + c0.spurious + c0.deviceOriginated;
            out.completionRateHz = done >= done0 ? static_cast<double>(done - done0) / span : 0;
            out.triggerRateHz = static_cast<double>(c.triggered - c0.triggered) / span;
        }
        out.latency = summarize(v.total.get());
        out.interval = summarize(v.interval.get());
        if (v.interval)
            v.interval->reset();
        if (v.total) {
            for (uint32_t b = 0; b < v.total->buckets(); ++b) {
                if (const uint64_t n = v.total->bucketCount(b))
                    out.histogram.emplace_back(LogHistogram::bucketLower(b), n);
            }
        }
        out.lastError = v.lastError;
        snap->vectors.push_back(std::move(out));
    }
    return snap;
}

} // namespace irqscope::core

// ReportCollector: turning samples into histograms, cycle counts, per-second series and timelines.
#include "report/report_collector.h"

#include <algorithm>

namespace irqscope::core {

ReportCollector::ReportCollector(uint32_t slots, CollectorConfig config)
    : m_config(config)
    , m_vectors(slots)
{
    m_config.linearBuckets = std::max<uint32_t>(m_config.linearBuckets, 1);
    m_config.linearBucketNs = std::max<int64_t>(m_config.linearBucketNs, 1);
}

ReportCollector::ReportCollector(const ReportCollector& other)
    : m_config(other.m_config)
    , m_vectors(other.m_vectors.size())
    , m_floor(other.m_floor)
{
    for (std::size_t i = 0; i < m_vectors.size(); ++i) {
        if (other.m_vectors[i])
            m_vectors[i] = std::make_unique<CollectedVector>(*other.m_vectors[i]);
    }
}

CollectedVector& ReportCollector::at(uint32_t slot)
{
    auto& v = m_vectors[slot];
    if (!v)
        v = std::make_unique<CollectedVector>(m_config.linearBuckets, m_config.linearBucketNs);
    return *v;
}

SecondPoint* ReportCollector::second(CollectedVector& v, int64_t timeNs)
{
    const int64_t rel = std::max<int64_t>(0, timeNs - m_config.originNs);
    const uint64_t index = static_cast<uint64_t>(rel / 1'000'000'000);
    if (index >= m_config.maxSeconds)
        return nullptr;
    if (index >= v.seconds.size())
        v.seconds.resize(index + 1);
    return &v.seconds[index];
}

void ReportCollector::add(const Sample* samples, std::size_t count)
{
    for (std::size_t i = 0; i < count; ++i)
        add(samples[i]);
}

void ReportCollector::add(const Sample& s)
{
    if (s.kind == SampleKind::Floor) {
        if (s.latencyNs() > 0) // as the aggregator
            m_floor.record(s.latencyNs());
        return;
    }
    if (s.slot >= m_vectors.size())
        return;
    CollectedVector& v = at(s.slot);
    switch (s.kind) {
    case SampleKind::Completion: {
        const int64_t latency = s.latencyNs();
        if (latency <= 0) // the aggregator skips these too
            break;
        v.log.record(latency);
        const bool overflow = latency >= static_cast<int64_t>(m_config.linearBuckets) * m_config.linearBucketNs;
        v.linear.record(latency);
        if (overflow) {
            if (v.overflowCycles.size() < kMaxOverflowCycles)
                v.overflowCycles.push_back(v.cycles);
            else
                ++v.overflowCyclesDropped;
        }
        ++v.cycles;
        v.lastNs = latency;
        if (s.deliveryTracked()) {
            if (!v.delivery)
                v.delivery.emplace();
            if (s.visibleNs > 0 && s.deliveryNs() >= 0) {
                v.delivery->record(s.deliveryNs());
                if (!v.deliveryRoundTrip)
                    v.deliveryRoundTrip.emplace();
                v.deliveryRoundTrip->record(latency);
            } else
                ++v.deliveryUnstamped;
        }
        if (SecondPoint* p = second(v, s.completionNs)) {
            p->minNs = p->completions ? std::min(p->minNs, latency) : latency;
            p->maxNs = p->completions ? std::max(p->maxNs, latency) : latency;
            p->sumNs += latency;
            ++p->completions;
        }
        break;
    }
    case SampleKind::Missed:
        if (SecondPoint* p = second(v, s.completionNs))
            ++p->missed;
        if (v.missTimes.size() < kMaxMissTimes)
            v.missTimes.push_back(s.completionNs);
        break;
    case SampleKind::Unsolicited:
        if (SecondPoint* p = second(v, s.completionNs))
            p->unsolicited += s.value;
        break;
    case SampleKind::Event: {
        const auto code = static_cast<EventCode>(s.value);
        if (v.events.size() < kMaxEvents)
            v.events.push_back(
                VectorEvent{s.completionNs, code, code == EventCode::Error ? static_cast<int>(s.seq) : 0});
        else
            ++v.eventsDropped;
        break;
    }
    case SampleKind::Floor:
        break;
    }
}

std::size_t ReportCollector::seconds() const
{
    std::size_t n = 0;
    for (const auto& v : m_vectors) {
        if (v)
            n = std::max(n, v->seconds.size());
    }
    return n;
}

} // namespace irqscope::core

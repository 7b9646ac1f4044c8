// Per-vector counts, rates and comings and goings from successive /proc samples.
#include "observe/observer_model.h"

#include <algorithm>

namespace irqscope::core {

const char* observerEventName(ObserverEventKind kind)
{
    switch (kind) {
    case ObserverEventKind::Appeared:
        return "appeared";
    case ObserverEventKind::Disappeared:
        return "disappeared";
    case ObserverEventKind::Moved:
        return "moved";
    }
    return "?";
}

void ObserverModel::addEvent(int64_t timeNs, VectorId vector, ObserverEventKind kind, const Track& track)
{
    if (m_events.size() >= kMaxEvents) {
        ++m_eventsDropped;
        return;
    }
    m_events.push_back({timeNs, vector, kind, track.irq, track.cpu});
}

void ObserverModel::update(const IrqSample& sample, bool keepRates)
{
    const bool first = m_samples == 0;
    const int64_t t = sample.timeNs;
    const double spanSec = first ? 0.0 : static_cast<double>(t - m_lastNs) / 1e9;
    if (first)
        m_startNs = t;

    std::map<VectorId, bool> seen;
    for (const auto& observed : sample.irqs) {
        const HostIrq& irq = observed.irq;
        const VectorId id = irq.action.vector;
        if (seen[id])
            continue; // the same vector twice on one text cannot happen; keep the first
        seen[id] = true;
        Track& track = m_tracks[id];
        // A vector that is new to this run, or came back on another Linux IRQ, counts from 0: its IRQ was
        // allocated after the previous sample. One that came back on the same IRQ continues from its last counts.
        bool fresh = false;
        if (!track.present) {
            fresh = !first && (track.irq != irq.irq);
            if (fresh)
                track.lastByCpu.clear();
            track.present = true;
            track.appearedNs = t;
            track.disappearedNs = 0;
            track.irq = irq.irq;
            track.cpu = irq.effectiveCpu;
            if (!first)
                addEvent(t, id, ObserverEventKind::Appeared, track);
        } else if (irq.irq != track.irq) {
            // Went and came back between two samples on another IRQ: a fresh IRQ too.
            fresh = true;
            addEvent(t, id, ObserverEventKind::Disappeared, track);
            track.lastByCpu.clear();
            track.irq = irq.irq;
            track.cpu = irq.effectiveCpu;
            track.appearedNs = t;
            addEvent(t, id, ObserverEventKind::Appeared, track);
        } else if (irq.effectiveCpu != track.cpu) {
            track.cpu = irq.effectiveCpu;
            addEvent(t, id, ObserverEventKind::Moved, track);
        }
        track.cpu = irq.effectiveCpu;
        track.unhandled = observed.spurious.unhandled;
        track.lastSeenNs = t;

        uint64_t delta = 0;
        const bool keep = keepRates && !fresh && !track.perCpuRateHz.empty();
        if (!keep)
            track.perCpuRateHz.clear();
        const std::size_t columns = std::min(sample.cpus.size(), irq.perCpu.size());
        for (std::size_t i = 0; i < columns; ++i) {
            const int cpu = sample.cpus[i];
            const uint64_t count = irq.perCpu[i];
            uint64_t d = 0;
            if (auto last = track.lastByCpu.find(cpu); last != track.lastByCpu.end())
                d = count >= last->second ? count - last->second : count; // backwards: the IRQ was reallocated
            else if (fresh)
                d = count;
            // else: a CPU not seen before on a vector that was already there (it came online): its count is
            // the baseline.
            track.lastByCpu[cpu] = count;
            delta += d;
            if (!first && !keep)
                track.perCpuRateHz.emplace_back(cpu, spanSec > 0 ? static_cast<double>(d) / spanSec : 0.0);
        }
        track.sinceStart += delta;
        if (!keep)
            track.rateHz = !first && spanSec > 0 ? static_cast<double>(delta) / spanSec : 0.0;
    }
    for (auto& [id, track] : m_tracks) {
        if (!track.present || seen.count(id))
            continue;
        track.present = false;
        track.disappearedNs = t;
        track.rateHz = 0;
        track.perCpuRateHz.clear();
        addEvent(t, id, ObserverEventKind::Disappeared, track);
    }
    updateRows(sample, spanSec, first, keepRates);
    m_lastNs = t;
    ++m_samples;
}

void ObserverModel::updateRows(const IrqSample& sample, double spanSec, bool first, bool keepRates)
{
    for (const auto& row : sample.postedRows) {
        RowTrack& track = m_rows[row.name];
        if (!keepRates)
            track.perCpuRateHz.clear();
        const std::size_t columns = std::min(sample.cpus.size(), row.perCpu.size());
        for (std::size_t i = 0; i < columns; ++i) {
            const int cpu = sample.cpus[i];
            const auto last = track.lastByCpu.find(cpu);
            // A CPU seen for the first time (the first sample, or it came online) gives the baseline.
            const uint64_t d = last == track.lastByCpu.end()   ? 0
                               : row.perCpu[i] >= last->second ? row.perCpu[i] - last->second
                                                               : 0;
            track.lastByCpu[cpu] = row.perCpu[i];
            track.sinceStart += d;
            if (!first && !keepRates)
                track.perCpuRateHz.emplace_back(cpu, spanSec > 0 ? static_cast<double>(d) / spanSec : 0.0);
        }
    }
}

std::size_t ObserverModel::presentCount() const
{
    std::size_t n = 0;
    for (const auto& [id, track] : m_tracks)
        n += track.present;
    return n;
}

Snapshot ObserverModel::snapshot(uint64_t generation, const std::string& deviceId, int64_t wallTimeNs) const
{
    Snapshot s;
    s.generation = generation;
    s.monotonicNs = m_lastNs;
    s.wallTimeNs = wallTimeNs;
    s.elapsedSec = static_cast<double>(m_lastNs - m_startNs) / 1e9;
    s.deviceId = deviceId;
    s.engine.running = true;
    s.engine.startedNs = m_startNs;
    s.observed = true;
    uint32_t slot = 0;
    for (const auto& [id, track] : m_tracks) {
        VectorSnapshot v;
        v.slot = slot++;
        v.id = id;
        v.name = vectorName(id);
        v.hostIrq = track.irq;
        v.hostCpu = track.cpu;
        // Observed, not measured: the engine's counters, rates and host count since arming stay zero.
        ObservedVector& o = v.observed.emplace();
        o.present = track.present;
        o.hostCount = track.sinceStart;
        o.hostRateHz = track.rateHz;
        o.perCpuRateHz = track.perCpuRateHz;
        o.hostUnhandled = track.unhandled;
        o.appearedNs = track.appearedNs;
        o.disappearedNs = track.disappearedNs;
        o.lastSeenNs = track.lastSeenNs;
        s.vectors.push_back(std::move(v));
    }
    for (const auto& [name, row] : m_rows)
        s.observedHostRows.push_back({name, row.sinceStart, row.perCpuRateHz});
    return s;
}

} // namespace irqscope::core

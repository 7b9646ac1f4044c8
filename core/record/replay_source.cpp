// ReplaySource: counters reconstructed from replayed samples, then the recorded final ones.
#include "record/replay_source.h"

namespace irqscope::core {

namespace {

void set(std::atomic<uint64_t>& a, uint64_t v)
{
    a.store(v, std::memory_order_release);
}

} // namespace

ReplaySource::ReplaySource(const Recording& recording, std::size_t ringCapacity)
    : m_recording(recording)
    , m_slots(recording.meta.slotCounts)
    , m_counters(new VectorCounters[std::max<uint32_t>(m_slots.size(), 1)])
    , m_ring(ringCapacity)
    , m_status(recording.final.engine)
    , m_deviceId(recording.meta.deviceId)
{
    // Elapsed time and rates run on the recording's clock (StatsSource::nowNs): it starts where the run did.
    if (m_status.startedNs <= 0)
        m_status.startedNs = recording.meta.originNs;
    m_status.running = true;
    m_status.ringDrops = 0;
    m_clockNs.store(m_status.startedNs, std::memory_order_release);
}

void ReplaySource::advanceClock(int64_t recordedNs)
{
    // One writer (the replay thread): a plain load and store keep it monotonic.
    if (recordedNs > m_clockNs.load(std::memory_order_relaxed))
        m_clockNs.store(recordedNs, std::memory_order_release);
}

EngineStatus ReplaySource::status() const
{
    std::lock_guard lock(m_statusMutex);
    EngineStatus s = m_status;
    if (s.running)
        s.samplesPushed = m_pushed.load(std::memory_order_relaxed);
    return s;
}

bool ReplaySource::push(const Sample& s)
{
    const bool floor = s.kind == SampleKind::Floor; // not a vector's: no counter moves, the aggregator keeps it
    if (!floor && s.slot >= m_slots.size())
        return true; // the reader rejects these; nothing to count
    if (!m_ring.tryPush(s))
        return false;
    VectorCounters& c = m_counters[floor ? 0 : s.slot];
    switch (s.kind) {
    case SampleKind::Completion:
        VectorCounters::bump(c.triggered, std::max<uint64_t>(s.value, 1));
        VectorCounters::bump(c.completed);
        VectorCounters::bump(c.coalesced, s.value > 1 ? s.value - 1 : 0);
        c.lastCompletionNs.store(s.completionNs, std::memory_order_release);
        break;
    case SampleKind::Missed:
        VectorCounters::bump(c.triggered);
        VectorCounters::bump(c.missed);
        break;
    case SampleKind::Unsolicited:
        VectorCounters::bump(c.spurious, s.value);
        break;
    case SampleKind::Event: {
        uint32_t state = c.state.load(std::memory_order_relaxed);
        switch (static_cast<EventCode>(s.value)) {
        case EventCode::Armed:
            state |= vstate::kArmed | vstate::kTriggering;
            break;
        case EventCode::Disarmed:
            state = 0;
            break;
        case EventCode::Masked:
            state |= vstate::kUserMasked;
            break;
        case EventCode::Automasked:
            state |= vstate::kAutomasked;
            break;
        case EventCode::Unmasked:
            state &= ~(vstate::kUserMasked | vstate::kAutomasked | vstate::kStuck);
            break;
        case EventCode::StuckMask:
            state |= vstate::kStuck;
            break;
        case EventCode::Error:
            VectorCounters::bump(c.errors);
            c.lastErrno.store(static_cast<int32_t>(s.seq), std::memory_order_release);
            break;
        }
        c.state.store(state, std::memory_order_release);
        break;
    }
    case SampleKind::Floor:
        break;
    }
    m_pushed.fetch_add(1, std::memory_order_relaxed);
    advanceClock(s.completionNs);
    return true;
}

void ReplaySource::finish()
{
    for (const auto& v : m_recording.final.vectors) {
        if (v.slot >= m_slots.size())
            continue;
        VectorCounters& c = m_counters[v.slot];
        const CountersCopy& f = v.counters;
        // Outcomes before triggered, as the core thread does: readers never see triggered < outcomes.
        set(c.completed, f.completed);
        set(c.coalesced, f.coalesced);
        set(c.missed, f.missed);
        set(c.spurious, f.spurious);
        set(c.deviceOriginated, f.deviceOriginated);
        set(c.errors, f.errors);
        set(c.skipped, f.skipped);
        set(c.unmasks, f.unmasks);
        set(c.behind, f.behind);
        c.lastErrno.store(f.lastErrno, std::memory_order_release);
        c.lastCompletionNs.store(f.lastCompletionNs, std::memory_order_release);
        c.state.store(f.state, std::memory_order_release);
        set(c.triggered, f.triggered);
    }
    {
        std::lock_guard lock(m_statusMutex);
        const int64_t started = m_status.startedNs;
        m_status = m_recording.final.engine;
        m_status.running = false;
        m_status.startedNs = started;
    }
    advanceClock(m_recording.final.monotonicNs);
}

} // namespace irqscope::core

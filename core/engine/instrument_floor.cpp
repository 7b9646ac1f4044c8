#include "engine/instrument_floor.h"

#include "base/monotonic_clock.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <sys/eventfd.h>
#include <unistd.h>

namespace irqscope::core {

InstrumentFloor::~InstrumentFloor()
{
    if (m_fd >= 0)
        close(m_fd);
}

std::optional<std::string> InstrumentFloor::open(CompletionRing& ring, uint32_t fileIndex, int64_t nowNs)
{
    // The same kind of eventfd the vectors' triggers are (vector_arming.cpp), read the same way.
    m_fd = eventfd(0, EFD_CLOEXEC);
    if (m_fd < 0)
        return "cannot create an eventfd: raise `ulimit -n`";
    if (const int rc = ring.setFile(fileIndex, m_fd); rc < 0)
        return fmt::format("io_uring cannot register the instrument floor's eventfd: {}", std::strerror(-rc));
    m_ring = &ring;
    m_file = fileIndex;
    queueRead();
    m_nextDueNs.store(nowNs + kInstrumentFloorPeriodNs, std::memory_order_relaxed);
    m_enabled.store(true, std::memory_order_release);
    return std::nullopt;
}

void InstrumentFloor::queueRead()
{
    m_ring->queueRead(m_file, &m_buffer, cqeTag());
}

void InstrumentFloor::signalIfDue(int64_t nowNs, bool busy)
{
    const int64_t due = m_nextDueNs.load(std::memory_order_relaxed);
    if (nowNs < due || !m_enabled.load(std::memory_order_acquire))
        return;
    // In a gap of the vectors' traffic, or once it has waited a whole period for one.
    if (busy && nowNs < due + kInstrumentFloorPeriodNs)
        return;
    if (m_outstanding.load(std::memory_order_acquire)) {
        // The last one has not come back (the core thread is busy): skip this period rather than queue up.
        m_nextDueNs.store(nowNs + kInstrumentFloorPeriodNs, std::memory_order_relaxed);
        return;
    }
    // Stamped right before the signal, as a loopback trigger is stamped right before its SET_IRQS.
    const int64_t stamp = monotonicNs();
    m_signalNs.store(stamp, std::memory_order_release);
    m_outstanding.store(true, std::memory_order_release);
    const uint64_t one = 1;
    if (write(m_fd, &one, sizeof one) != static_cast<ssize_t>(sizeof one)) {
        // An eventfd write fails only on a counter overflow, which one outstanding signal cannot reach; give up.
        m_enabled.store(false, std::memory_order_release);
        return;
    }
    // A period after this signal, not on a fixed grid: a late signal is never followed by a catch-up burst, so two
    // floor signals are always at least a period apart (the rate is at most kInstrumentFloorRateHz).
    m_nextDueNs.store(stamp + kInstrumentFloorPeriodNs, std::memory_order_relaxed);
}

int64_t InstrumentFloor::wakeAtNs(bool busy) const
{
    if (!m_enabled.load(std::memory_order_acquire))
        return -1;
    const int64_t due = m_nextDueNs.load(std::memory_order_relaxed);
    return busy ? due + kInstrumentFloorPeriodNs : due;
}

void InstrumentFloor::onCompletion(int res, int64_t completionNs, TriggerBooks& books)
{
    if (res != static_cast<int>(sizeof(uint64_t))) {
        // Cancelled at tear-down, or a read that failed (it cannot on an eventfd irqscope owns): no floor from
        // here on, rather than a read re-armed into the same failure.
        m_enabled.store(false, std::memory_order_release);
        return;
    }
    Sample s;
    s.kind = SampleKind::Floor;
    s.slot = 0; // not a vector: readers key floor samples on their kind
    s.value = m_buffer;
    s.triggerNs = m_signalNs.load(std::memory_order_acquire);
    s.completionNs = completionNs;
    s.seq = m_samples.load(std::memory_order_relaxed) + 1;
    books.pushSample(s);
    m_samples.store(s.seq, std::memory_order_relaxed);
    queueRead();
    m_outstanding.store(false, std::memory_order_release);
}

} // namespace irqscope::core

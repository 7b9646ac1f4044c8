// InstrumentFloor: irqscope's own wake path, measured in every run beside the vectors (docs/benchmarks.md
// "The instrument floor"). A private eventfd, not a vector (no slot, no books, no counters), whose 8-byte read sits
// in the core thread's io_uring exactly like a vector's and is re-armed the same way. The thread that fires the
// loopback triggers (the trigger thread with --trigger-cpu, else the core thread) stamps CLOCK_MONOTONIC and
// write(2)s it, at most kInstrumentFloorRateHz times a second (each signal a period after the last); the core thread
// stamps the completion as it stamps a vector's and pushes a SampleKind::Floor sample. The floor is thus a loopback
// completion minus the SET_IRQS ioctl and the VFIO/KVM part: what irqscope itself adds to every latency it reports.
//
// Interleaving: never while the previous floor signal is outstanding, and only in a gap of the vectors' traffic
// (the caller says whether it is busy: a vector trigger due or outstanding); a floor that found no gap for a whole
// period is signalled anyway, so a saturated run still gets its floor. Cost: 20 wake-ups per second.
//
// Threads: open(), onCompletion(), stop() on the core thread; signalIfDue() and wakeAtNs() on the one signalling
// thread; samples() anywhere. Nothing here allocates after open().
#pragma once

#include "engine/completion_ring.h"
#include "engine/sample.h"
#include "engine/trigger_books.h"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

namespace irqscope::core {

// Fixed, so floors of different runs compare; low enough that its wake-ups do not disturb the vectors.
inline constexpr double kInstrumentFloorRateHz = 20;
inline constexpr int64_t kInstrumentFloorPeriodNs = static_cast<int64_t>(1e9 / kInstrumentFloorRateHz);

class InstrumentFloor
{
public:
    InstrumentFloor() = default;
    ~InstrumentFloor();
    InstrumentFloor(const InstrumentFloor&) = delete;
    InstrumentFloor& operator=(const InstrumentFloor&) = delete;

    // Core thread, at setup: creates the eventfd, registers it as fixed file `fileIndex` and queues its read; the
    // first signal is due one period after `nowNs`. A one-line error when the eventfd cannot be had.
    std::optional<std::string> open(CompletionRing& ring, uint32_t fileIndex, int64_t nowNs);
    // Core thread: no signal after this (the run is stopping).
    void stop() { m_enabled.store(false, std::memory_order_release); }

    // Signalling thread: signals the eventfd if a signal is due and none is outstanding. `busy`: a vector trigger
    // is due or outstanding; the signal then waits for a gap, up to one period.
    void signalIfDue(int64_t nowNs, bool busy);
    // Signalling thread: when it should next look (for its sleep or wait timeout); -1 when stopped.
    int64_t wakeAtNs(bool busy) const;

    // Core thread: the floor read completed with `res` at `completionNs` (the batch stamp). Pushes the sample
    // through `books` (counted like any sample, never in a vector's books) and re-arms the read.
    void onCompletion(int res, int64_t completionNs, TriggerBooks& books);

    // Floor samples produced so far (offered to the sample ring). Any thread.
    uint64_t samples() const { return m_samples.load(std::memory_order_relaxed); }

    static uint64_t cqeTag() { return CqeTag::encode(CqeKind::FloorRead, 0, 0); }

private:
    void queueRead();

    CompletionRing* m_ring = nullptr;
    uint32_t m_file = 0;
    int m_fd = -1;
    uint64_t m_buffer = 0;
    std::atomic<bool> m_enabled{false};
    std::atomic<bool> m_outstanding{false};
    std::atomic<int64_t> m_signalNs{0};
    std::atomic<int64_t> m_nextDueNs{0}; // written by the signalling thread only
    std::atomic<uint64_t> m_samples{0};
};

} // namespace irqscope::core

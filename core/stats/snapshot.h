// Snapshot: an immutable picture of every vector and of the engine, published by the aggregator (latest wins)
// and read by the CLI, the dashboard, reports and the metrics endpoint. Plain std types only: no Qt here.
#pragma once

#include "base/vector_id.h"
#include "engine/engine.h"
#include "engine/vector_counters.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace irqscope::core {

struct LatencySummary
{
    uint64_t count = 0; // latency samples recorded
    int64_t minNs = 0;
    int64_t maxNs = 0;
    double meanNs = 0;
    int64_t p50Ns = 0;
    int64_t p90Ns = 0;
    int64_t p99Ns = 0;
    int64_t p999Ns = 0;
    int64_t p9999Ns = 0;
};

// What the observer read from /proc for one vector of a device another process owns (observer mode,
// docs/observer.md). irqscope armed, fired and measured nothing there: these are the host's numbers, kept apart
// from the engine's counters so no reader takes one for the other.
// How the vector's interrupts reach the owner (docs/observer.md "Delivery"): through the host's handler, which
// /proc/interrupts counts, or posted by the IOMMU straight to a vCPU, which the host cannot count.
enum class ObservedDelivery : uint8_t
{
    Unknown,
    HostHandled,  // the host's vfio handler runs for each interrupt: the count is the interrupt count
    Posted,       // known posted (kvm:kvm_pi_irte_update): the host sees none of them
    LikelyPosted, // the host can post it and its count does not move: most likely posted
};

struct ObservedVector
{
    bool present = false;   // the vector has a host IRQ now: its owner enabled it (it is in /proc/interrupts)
    uint64_t hostCount = 0; // interrupts its host IRQ took since observing started (or since it appeared)
    double hostRateHz = 0;  // of those, per second over the last sample interval (0 while gone)
    // The same rate on each CPU as (CPU, Hz), in /proc/interrupts column order; empty while gone.
    std::vector<std::pair<int, double>> perCpuRateHz;
    uint64_t hostUnhandled = 0; // the "unhandled" line of /proc/irq/N/spurious (the kernel's value)
    // CLOCK_MONOTONIC of the sample that saw it (last) appear, disappear, or present (0 = never). A vector present
    // at the start appeared then; hostCount runs to lastSeenNs.
    int64_t appearedNs = 0;
    int64_t disappearedNs = 0;
    int64_t lastSeenNs = 0;
    ObservedDelivery delivery = ObservedDelivery::Unknown;
    std::string deliveryReason; // one line: why this delivery mode (and, when posted, why the host sees no count)
};

// A per-CPU row of /proc/interrupts that counts posted-interrupt notifications on the host (observer mode): PIN,
// PIW (KVM, Intel) or PMN (the host's own posted MSIs). Rates over the last sample interval.
struct ObservedHostRow
{
    std::string name;   // "PIN", "PIW", "PMN"
    uint64_t count = 0; // since observing started
    std::vector<std::pair<int, double>> perCpuRateHz;
};

// The kernel thread that runs a vector's host IRQ handler when the host threads it (PREEMPT_RT, or the `threadirqs`
// boot option): docs/rt-hosts.md §1. Read from /proc/PID/stat and /proc/PID/status; absent when the handler runs in
// hard interrupt context.
struct IrqThreadInfo
{
    int pid = -1;
    std::string comm;        // "irq/35-vfio-msi" (the kernel cuts a comm to 15 characters)
    std::string policy;      // "SCHED_FIFO", "SCHED_OTHER", ...
    int priority = 0;        // rt_priority: 1..99 under SCHED_FIFO / SCHED_RR, 0 otherwise (stat field 40)
    std::string affinity;    // the CPUs it may run on: Cpus_allowed_list ("3", "0-3")
    int lastCpu = -1;        // the CPU it last ran on (stat field 39)
    char state = '?';        // when read: R running or runnable, S sleeping (stat field 3)
    std::string irqAffinity; // the CPUs its IRQ may fire on: /proc/irq/N/smp_affinity_list ("" when unknown)

    friend bool operator==(const IrqThreadInfo&, const IrqThreadInfo&) = default;
};

struct VectorSnapshot
{
    uint32_t slot = 0;
    VectorId id;
    std::string name; // "msix:3"
    // Measured: what irqscope's engine counted and timed. All zero (disarmed, no latency) in observer mode.
    CountersCopy counters;       // exact, from the core thread's counters
    double completionRateHz = 0; // completions + unsolicited per second over the last rate window
    double triggerRateHz = 0;
    LatencySummary latency;  // since start (or the last reset)
    LatencySummary interval; // since the previous snapshot: for live charts
    // Non-empty histogram buckets since start: (bucket lower bound ns, count), ascending.
    std::vector<std::pair<int64_t, uint64_t>> histogram;
    // Interrupt delivery (docs/dma-triggers.md §6): completion visible in memory -> eventfd completion, for a
    // vector whose command-trigger completions the delivery poller watches (deliveryTracked). The round trip above
    // is trigger -> eventfd completion of the same commands, so delivery <= round trip sample by sample.
    bool deliveryTracked = false;
    LatencySummary delivery;                                     // since start (or the last reset)
    LatencySummary deliveryInterval;                             // since the previous snapshot
    std::vector<std::pair<int64_t, uint64_t>> deliveryHistogram; // as `histogram`
    uint64_t deliveryUnstamped = 0; // watched completions with no stamp of their own (never given one)
    // Final reports only: the round trip of the stamped completions, the like-for-like partner of `delivery`
    // (the poller tends to miss the fastest round trips, so `latency` over all of them can sit below it).
    LatencySummary deliveryRoundTrip;
    std::string lastError; // the latest error or missed reason, human readable ("" when none)
    // Host side, in both modes (filled by the host IRQ tracker in active mode, by the observer in observer mode):
    // the Linux IRQ serving the vector (from its vfio action name in /proc/interrupts) and its effective affinity
    // CPU, -1 when unknown. After the vector is disarmed (or gone) they keep their last known values.
    int hostIrq = -1;
    int hostCpu = -1;
    // Active mode only (0 in observer mode: see observed->hostCount): interrupts that host IRQ took since the
    // vector was armed (the run's baseline): only device-raised interrupts move it, loopback triggers signal the
    // eventfd without an interrupt. Meaningful when hostIrq >= 0.
    // Reconciliation: hostCompletionGap() = eventfd completions - hostCount is the number of signals that did not
    // come through the host IRQ (loopback); 0 for a device-raised run.
    uint64_t hostCount = 0;
    // The thread that runs hostIrq's handler on a host that threads it (both modes); nullopt when not threaded or
    // unknown. Keeps its last values after the vector is disarmed.
    std::optional<IrqThreadInfo> irqThread;
    // Observer mode only (set exactly when Snapshot::observed): what the observer read from /proc.
    std::optional<ObservedVector> observed;

    // Every eventfd signal the core thread read for this vector.
    uint64_t completions() const
    {
        return counters.completed + counters.coalesced + counters.spurious + counters.deviceOriginated;
    }
    // completions() - hostCount (see hostCount); 0 when the host IRQ is unknown or the vector was only observed.
    int64_t hostCompletionGap() const
    {
        return hostIrq >= 0 && !observed ? static_cast<int64_t>(completions()) - static_cast<int64_t>(hostCount) : 0;
    }
};

struct Snapshot
{
    uint64_t generation = 0;
    int64_t monotonicNs = 0; // when it was built (CLOCK_MONOTONIC)
    int64_t wallTimeNs = 0;  // CLOCK_REALTIME, for reports
    double elapsedSec = 0;   // since the engine started
    std::string deviceId;
    EngineStatus engine;
    double samplesPerSec = 0;
    std::vector<VectorSnapshot> vectors; // vectors that are armed or ever saw activity, in slot order
    // Observer mode: built by the observer from /proc, not by the aggregator. Every vector then carries
    // `observed`, its measured fields stay zero (nothing is armed or fired by irqscope, no latency is measured),
    // and of `engine` only `running` and `startedNs` (the baseline sample) are set.
    bool observed = false;
    // Observer mode: the posted-interrupt rows of /proc/interrupts this kernel has (none on AMD or without KVM).
    std::vector<ObservedHostRow> observedHostRows;
    // The instrument floor (docs/benchmarks.md "The instrument floor"): irqscope's own eventfd wake path through
    // the same io_uring, signalled by the firing thread at kInstrumentFloorRateHz, since the start (or the last
    // reset). count 0: not measured (observer mode, a recording made before it existed, or too early).
    LatencySummary floor;
    std::vector<std::pair<int64_t, uint64_t>> floorHistogram; // non-empty buckets, as VectorSnapshot::histogram
};

} // namespace irqscope::core

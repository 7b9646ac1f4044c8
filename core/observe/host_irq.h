// Host IRQ mapping: which Linux IRQ serves each armed vfio vector, its per-CPU counts and the CPU it really
// targets, from the vfio action names in /proc/interrupts (docs/kernel-vfio-irq.md §2.7, §6.6).
#pragma once

#include "base/vector_id.h"
#include "observe/irq_thread.h"
#include "stats/snapshot.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irqscope::core {

// A vfio action name taken apart: "vfio-msix[3](0000:01:00.0)" is {Msix, 3, "0000:01:00.0"}.
struct VfioActionName
{
    VectorId vector;
    std::string bdf;

    friend bool operator==(const VfioActionName&, const VfioActionName&) = default;
};

// The action name vfio-pci gives a vector: vfio-intx(BDF), vfio-msi[N](BDF), vfio-msix[N](BDF) (§2.7).
// Only INTx, MSI and MSI-X vectors have one; ERR and REQ return "".
std::string vfioActionName(VectorId vector, std::string_view bdf);
std::optional<VfioActionName> parseVfioActionName(std::string_view action);

struct HostIrq
{
    int irq = -1;                        // the Linux IRQ number (column 1 of /proc/interrupts)
    VfioActionName action;               // the vfio vector it serves
    std::vector<uint64_t> perCpu;        // counts per CPU column, in header order
    int effectiveCpu = -1;               // first CPU of /proc/irq/N/effective_affinity_list, -1 when unknown
    std::optional<IrqThreadInfo> thread; // its handler thread on a threading host (HostIrqTracker reads it)

    uint64_t total() const;
};

// Every vfio action in a /proc/interrupts text, optionally only those of one device (`bdf` "" = all). A line
// with several actions (a shared INTx line) yields one entry per vfio action on it. Lines that are not IRQ
// lines (the CPU header, NMI/LOC summaries) are skipped.
std::vector<HostIrq> parseProcInterrupts(std::string_view text, std::string_view bdf = {});

// Reads `procRoot`/interrupts and, for each vfio IRQ found, `procRoot`/irq/N/effective_affinity_list.
std::vector<HostIrq> readHostIrqs(std::string_view bdf, const std::string& procRoot = "/proc");

// The first CPU in a cpu list such as "3", "0-3" or "1,4-5"; -1 when the text is not a cpu list.
int firstCpuOfList(std::string_view list);

// The host IRQ serving `vector` in `irqs`, or nullptr.
const HostIrq* findHostIrq(const std::vector<HostIrq>& irqs, VectorId vector);

// The host side of an active run on a real device: per vfio vector of one device, the host IRQ, its effective CPU
// and how many interrupts that IRQ took since the run's baseline. Only device-raised interrupts move that count;
// a loopback trigger signals the eventfd from the ioctl without any interrupt (docs/kernel-vfio-irq.md §2.7). A vector
// whose action went away (disarmed) keeps its last values; one that comes back on another IRQ, or on a
// reallocated one (count went backwards), goes on counting from there. Thread-safe (not for the core thread:
// it reads procfs).
class HostIrqTracker
{
public:
    explicit HostIrqTracker(std::string bdf, std::string procRoot = "/proc");

    // Reads /proc once. The first reading is the baseline: take it after arming and before the first trigger.
    void sample();
    // sample() when the last reading is at least `maxAgeNs` older than `nowNs` (CLOCK_MONOTONIC).
    void refresh(int64_t nowNs, int64_t maxAgeNs);
    // What sample() does with a reading (tests feed parsed texts). A vector first seen after the baseline counts
    // from 0 when it is MSI or MSI-X (vfio allocated its IRQ then) and from its count then when it is INTx (the
    // line outlives the action and may have counted before).
    void update(const std::vector<HostIrq>& irqs);
    // Sets hostIrq, hostCpu, hostCount and irqThread of each vector of `snapshot` the tracker has seen.
    void apply(Snapshot& snapshot) const;
    // The handler thread of each vector whose host IRQ is threaded, as of the latest reading.
    struct ThreadedVector
    {
        VectorId id;
        int irq = -1;
        int cpu = -1; // the IRQ's effective CPU
        IrqThreadInfo thread;
    };
    std::vector<ThreadedVector> threads() const;
    // From now on the readings leave each vector's thread as it is: the run's report shows the threads as they ran,
    // not as a restore at the end (docs/rt-hosts.md §3) left them.
    void holdThreads();
    // The effective CPUs of every tracked vector's IRQ (ascending, no repeats, unknown ones left out).
    std::vector<int> irqCpus() const;

    const std::string& bdf() const { return m_bdf; }

private:
    struct Track
    {
        int irq = -1;
        int cpu = -1;
        uint64_t baseline = 0; // the IRQ's count when counting started on it
        uint64_t last = 0;     // its count at the latest reading
        uint64_t previous = 0; // interrupts counted on earlier IRQs of this vector
        std::optional<IrqThreadInfo> thread;
        uint64_t count() const { return previous + (last - baseline); }
    };
    void updateLocked(const std::vector<HostIrq>& irqs);

    const std::string m_bdf;
    const std::string m_procRoot;
    std::mutex m_finderMutex; // sample() may run on the aggregator and the controlling thread
    IrqThreadFinder m_threads;
    mutable std::mutex m_mutex;
    std::map<VectorId, Track> m_tracks;
    bool m_baselineTaken = false;
    bool m_threadsHeld = false;
    int64_t m_lastSampleNs = 0;
};

} // namespace irqscope::core

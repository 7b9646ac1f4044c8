// IrqSample: one reading of a device's vfio vectors from procfs: /proc/interrupts (per-CPU counts, keyed by the
// CPU numbers of the header, which change with CPU hot-unplug), and per IRQ /proc/irq/N/effective_affinity_list
// and /proc/irq/N/spurious. Parsing reuses observe/host_irq.h.
#pragma once

#include "observe/host_irq.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace irqscope::core {

// /proc/irq/N/spurious: "count C\nunhandled U\nlast_unhandled L ms\n".
struct SpuriousCounts
{
    uint64_t count = 0;     // the kernel's spurious-detection window count (wraps at 100000)
    uint64_t unhandled = 0; // interrupts no handler claimed (IRQ_NONE), e.g. a shared INTx line's other device
    uint64_t lastUnhandledMs = 0;
};

struct ObservedIrq
{
    HostIrq irq; // Linux IRQ, vector, per-CPU counts (parallel to IrqSample::cpus), effective CPU
    SpuriousCounts spurious;
};

// A named per-CPU row of /proc/interrupts ("PIN:  12  0  Posted-interrupt notification event").
struct HostCounterRow
{
    std::string name;
    std::vector<uint64_t> perCpu; // parallel to IrqSample::cpus
};

struct IrqSample
{
    int64_t timeNs = 0;    // CLOCK_MONOTONIC when /proc/interrupts was read
    std::vector<int> cpus; // the CPU number of each count column, from the header ("CPU0 CPU2" -> {0, 2})
    std::vector<ObservedIrq> irqs;
    // The posted-interrupt rows this kernel prints: PIN and PIW (KVM on x86), PMN (the host's posted MSIs, 6.10
    // and later with CONFIG_X86_POSTED_MSI); absent rows are not in the list.
    std::vector<HostCounterRow> postedRows;
};

// The rows named in `names` ("PIN", "PIW", "PMN"), in that order, of those the text has.
std::vector<HostCounterRow> parseNamedRows(std::string_view interrupts, std::initializer_list<std::string_view> names);

// The CPU numbers of a /proc/interrupts header line; the first line of `text` is used.
std::vector<int> parseCpuColumns(std::string_view text);

// Missing fields stay 0.
SpuriousCounts parseSpurious(std::string_view text);

// One sample of `bdf`'s vfio vectors from a /proc/interrupts text; the per-IRQ files are read from `procRoot`.
IrqSample sampleFromText(std::string_view interrupts, std::string_view bdf, const std::string& procRoot,
                         int64_t timeNs);

// Reads `procRoot`/interrupts and the per-IRQ files; timeNs is taken just before the read.
IrqSample readIrqSample(std::string_view bdf, const std::string& procRoot = "/proc");

} // namespace irqscope::core

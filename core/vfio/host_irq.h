// Host IRQ mapping: which Linux IRQ serves each armed vfio vector, its per-CPU counts and the CPU it really
// targets, from the vfio action names in /proc/interrupts (vfio-irq-facts §2.7, §6.6).
#pragma once

#include "engine/vector_id.h"

#include <cstdint>
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
    int irq = -1;                 // the Linux IRQ number (column 1 of /proc/interrupts)
    VfioActionName action;        // the vfio vector it serves
    std::vector<uint64_t> perCpu; // counts per CPU column, in header order
    int effectiveCpu = -1;        // first CPU of /proc/irq/N/effective_affinity_list, -1 when unknown

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

} // namespace irqscope::core

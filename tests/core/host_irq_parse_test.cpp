// Host IRQ mapping: vfio action names and /proc/interrupts as 6.1 and 6.18 print it (docs/kernel-vfio-irq.md §2.7).
#include "observe/host_irq.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace irqscope::core;

namespace {

// 6.1 (Debian 12 guest, no-IOMMU, edu INTx shared with nothing, e1000e's 5 MSI-X vectors, xhci 1 MSI): the chip
// column is "PCI-MSI" with an encoded hwirq.
constexpr const char* kProc61 = R"(           CPU0       CPU1       
  0:         42          0   IO-APIC   2-edge      timer
  4:          0        381   IO-APIC   4-edge      ttyS0
 11:         17          3   IO-APIC  11-fasteoi   vfio-intx(0000:00:02.0)
 24:          0          0   PCI-MSI 16384-edge      vfio-msix[0](0000:00:03.0)
 25:         12          0   PCI-MSI 16385-edge      vfio-msix[1](0000:00:03.0)
 26:          0          9   PCI-MSI 16386-edge      vfio-msix[2](0000:00:03.0)
 27:          1          1   PCI-MSI 16387-edge      vfio-msix[3](0000:00:03.0)
 28:        100          0   PCI-MSI 16388-edge      vfio-msix[4](0000:00:03.0)
 29:          5          0   PCI-MSI 32768-edge      vfio-msi[0](0000:00:04.0)
NMI:          0          0   Non-maskable interrupts
LOC:       1234       5678   Local timer interrupts
ERR:          0
MIS:          0
)";

// 6.18 (host): the chip column names the device, hwirq = the MSI-X table index; IR- prefixed with remapping.
constexpr const char* kProc618 = R"(            CPU0       CPU1       CPU2       CPU3       
   9:          0          0          0          0  IR-IO-APIC    9-fasteoi   acpi
  16:          3          0          0          0  IR-IO-APIC   16-fasteoi   ehci_hcd:usb1, vfio-intx(0000:00:1a.0)
 128:          0          0         44          0  IR-PCI-MSIX-0000:01:00.0    0-edge      vfio-msix[0](0000:01:00.0)
 129:          0          0          0          7  IR-PCI-MSIX-0000:01:00.0    1-edge      vfio-msix[1](0000:01:00.0)
 130:          2          0          0          0  IR-PCI-MSI-0000:02:00.0    0-edge      vfio-msi[0](0000:02:00.0)
 131:          0          0          0          0  IR-PCI-MSI-0000:02:00.0    1-edge      vfio-msi[1](0000:02:00.0)
 140:         10          0          0          0  IR-PCI-MSIX-0000:03:00.0    0-edge      nvme0q0
 NMI:          1          1          1          1   Non-maskable interrupts
)";

// Captured in the tests/vm guests with e1000e's 5 MSI-X vectors armed: 6.1.0-56 no-IOMMU and 6.12.117 with
// intel-iommu interrupt remapping.
constexpr const char* kGuest61 = R"(           CPU0       
 24:          0   PCI-MSI 32768-edge      vfio-msix[0](0000:00:02.0)
 25:          0   PCI-MSI 32769-edge      vfio-msix[1](0000:00:02.0)
 26:          0   PCI-MSI 32770-edge      vfio-msix[2](0000:00:02.0)
 27:          0   PCI-MSI 32771-edge      vfio-msix[3](0000:00:02.0)
 28:          0   PCI-MSI 32772-edge      vfio-msix[4](0000:00:02.0)
)";
constexpr const char* kGuest612 = R"(           CPU0       
 25:          0  IR-PCI-MSIX-0000:00:02.0   0-edge      vfio-msix[0](0000:00:02.0)
 26:          0  IR-PCI-MSIX-0000:00:02.0   1-edge      vfio-msix[1](0000:00:02.0)
 27:          0  IR-PCI-MSIX-0000:00:02.0   2-edge      vfio-msix[2](0000:00:02.0)
 28:          0  IR-PCI-MSIX-0000:00:02.0   3-edge      vfio-msix[3](0000:00:02.0)
 29:          0  IR-PCI-MSIX-0000:00:02.0   4-edge      vfio-msix[4](0000:00:02.0)
)";

} // namespace

TEST(HostIrq, CapturedGuestTexts)
{
    for (const auto& [text, firstIrq] : {std::pair{kGuest61, 24}, std::pair{kGuest612, 25}}) {
        const auto irqs = parseProcInterrupts(text, "0000:00:02.0");
        ASSERT_EQ(irqs.size(), 5u);
        for (uint32_t v = 0; v < 5; ++v) {
            const HostIrq* irq = findHostIrq(irqs, {IrqIndex::Msix, v});
            ASSERT_NE(irq, nullptr);
            EXPECT_EQ(irq->irq, firstIrq + static_cast<int>(v));
            EXPECT_EQ(irq->perCpu, std::vector<uint64_t>{0});
        }
    }
}

TEST(HostIrq, ActionNamesRoundTrip)
{
    for (const VectorId v : {VectorId{IrqIndex::Intx, 0}, VectorId{IrqIndex::Msi, 3}, VectorId{IrqIndex::Msix, 17}}) {
        const auto name = vfioActionName(v, "0000:01:00.0");
        const auto parsed = parseVfioActionName(name);
        ASSERT_TRUE(parsed) << name;
        EXPECT_EQ(parsed->vector, v);
        EXPECT_EQ(parsed->bdf, "0000:01:00.0");
    }
    EXPECT_EQ(vfioActionName({IrqIndex::Msix, 2}, "0000:00:03.0"), "vfio-msix[2](0000:00:03.0)");
    EXPECT_EQ(vfioActionName({IrqIndex::Intx, 0}, "0000:00:02.0"), "vfio-intx(0000:00:02.0)");
    EXPECT_EQ(vfioActionName({IrqIndex::Req, 0}, "0000:00:02.0"), "");
    EXPECT_FALSE(parseVfioActionName("vfio-msix[](0000:00:03.0)"));
    EXPECT_FALSE(parseVfioActionName("vfio-msix[x](0000:00:03.0)"));
    EXPECT_FALSE(parseVfioActionName("vfio-err(0000:00:03.0)"));
    EXPECT_FALSE(parseVfioActionName("nvme0q0"));
    EXPECT_FALSE(parseVfioActionName("vfio-intx()"));
}

TEST(HostIrq, Parses61Format)
{
    const auto all = parseProcInterrupts(kProc61);
    ASSERT_EQ(all.size(), 7u);
    const auto e1000e = parseProcInterrupts(kProc61, "0000:00:03.0");
    ASSERT_EQ(e1000e.size(), 5u);
    for (uint32_t v = 0; v < 5; ++v) {
        const HostIrq* irq = findHostIrq(e1000e, {IrqIndex::Msix, v});
        ASSERT_NE(irq, nullptr) << v;
        EXPECT_EQ(irq->irq, static_cast<int>(24 + v));
        ASSERT_EQ(irq->perCpu.size(), 2u);
    }
    EXPECT_EQ(findHostIrq(e1000e, {IrqIndex::Msix, 2})->total(), 9u);
    EXPECT_EQ(findHostIrq(e1000e, {IrqIndex::Msix, 3})->total(), 2u);
    const auto edu = parseProcInterrupts(kProc61, "0000:00:02.0");
    ASSERT_EQ(edu.size(), 1u);
    EXPECT_EQ(edu[0].irq, 11);
    EXPECT_EQ(edu[0].action.vector, (VectorId{IrqIndex::Intx, 0}));
    EXPECT_EQ(edu[0].total(), 20u);
    EXPECT_EQ(parseProcInterrupts(kProc61, "0000:00:04.0").at(0).action.vector, (VectorId{IrqIndex::Msi, 0}));
    EXPECT_TRUE(parseProcInterrupts(kProc61, "0000:00:09.0").empty());
}

TEST(HostIrq, Parses618FormatAndSharedLines)
{
    const auto shared = parseProcInterrupts(kProc618, "0000:00:1a.0");
    ASSERT_EQ(shared.size(), 1u) << "the vfio action on a line shared with ehci_hcd";
    EXPECT_EQ(shared[0].irq, 16);
    EXPECT_EQ(shared[0].perCpu, (std::vector<uint64_t>{3, 0, 0, 0}));
    const auto msix = parseProcInterrupts(kProc618, "0000:01:00.0");
    ASSERT_EQ(msix.size(), 2u);
    EXPECT_EQ(findHostIrq(msix, {IrqIndex::Msix, 0})->perCpu[2], 44u);
    EXPECT_EQ(findHostIrq(msix, {IrqIndex::Msix, 1})->irq, 129);
    const auto msi = parseProcInterrupts(kProc618, "0000:02:00.0");
    ASSERT_EQ(msi.size(), 2u);
    EXPECT_EQ(findHostIrq(msi, {IrqIndex::Msi, 1})->irq, 131);
    EXPECT_EQ(parseProcInterrupts(kProc618).size(), 5u) << "nvme0q0 is no vfio action";
}

TEST(HostIrq, CpuLists)
{
    EXPECT_EQ(firstCpuOfList("3\n"), 3);
    EXPECT_EQ(firstCpuOfList("0-3"), 0);
    EXPECT_EQ(firstCpuOfList("1,4-5"), 1);
    EXPECT_EQ(firstCpuOfList(""), -1);
    EXPECT_EQ(firstCpuOfList("x"), -1);
}

TEST(HostIrq, ReadsAffinityFromAnInjectedProc)
{
    const auto root = std::filesystem::temp_directory_path() / ("irqscope_host_irq_" + std::to_string(getpid()));
    std::filesystem::create_directories(root / "irq/25");
    std::ofstream(root / "interrupts") << kProc61;
    std::ofstream(root / "irq/25/effective_affinity_list") << "1\n";
    const auto irqs = readHostIrqs("0000:00:03.0", root.string());
    ASSERT_EQ(irqs.size(), 5u);
    EXPECT_EQ(findHostIrq(irqs, {IrqIndex::Msix, 1})->effectiveCpu, 1);
    EXPECT_EQ(findHostIrq(irqs, {IrqIndex::Msix, 0})->effectiveCpu, -1) << "no affinity file: unknown";
    std::filesystem::remove_all(root);
}

// One procfs sample of a device's vfio vectors: the CPU numbers of the header (hot-unplugged CPUs have no
// column), the spurious file, and captured /proc/interrupts texts of 6.1 and 6.18 with per-IRQ files.
#include "observe/irq_sample.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace irqscope::core;
namespace fs = std::filesystem;

namespace {

// 6.1 guest (no-IOMMU): "PCI-MSI <encoded hwirq>-edge".
constexpr const char* kObservedProc61 = R"(           CPU0       CPU1       
  0:         42          0   IO-APIC   2-edge      timer
 11:         17          3   IO-APIC  11-fasteoi   vfio-intx(0000:00:02.0)
 24:          0          0   PCI-MSI 16384-edge      vfio-msix[0](0000:00:03.0)
 25:         12          0   PCI-MSI 16385-edge      vfio-msix[1](0000:00:03.0)
 26:          0          9   PCI-MSI 16386-edge      vfio-msix[2](0000:00:03.0)
 27:          1          1   PCI-MSI 16387-edge      vfio-msix[3](0000:00:03.0)
 28:        100          0   PCI-MSI 16388-edge      vfio-msix[4](0000:00:03.0)
NMI:          0          0   Non-maskable interrupts
LOC:       1234       5678   Local timer interrupts
ERR:          0
MIS:          0
)";

// 6.18 host with CPU1 offline: columns CPU0 CPU2 CPU3; "IR-PCI-MSIX-<BDF> <table index>-edge".
constexpr const char* kProc618Unplugged = R"(            CPU0       CPU2       CPU3       
  16:          3          0          0  IR-IO-APIC   16-fasteoi   ehci_hcd:usb1, vfio-intx(0000:00:1a.0)
 128:          0         44          0  IR-PCI-MSIX-0000:01:00.0    0-edge      vfio-msix[0](0000:01:00.0)
 129:          0          0          7  IR-PCI-MSIX-0000:01:00.0    1-edge      vfio-msix[1](0000:01:00.0)
 140:         10          0          0  IR-PCI-MSIX-0000:03:00.0    0-edge      nvme0q0
 NMI:          1          1          1   Non-maskable interrupts
)";

class SampledProc
{
public:
    SampledProc()
        : m_root(fs::temp_directory_path() / ("irqscope_observe_sample_" + std::to_string(getpid())))
    {
        fs::remove_all(m_root);
        fs::create_directories(m_root);
    }
    ~SampledProc() { fs::remove_all(m_root); }
    std::string root() const { return m_root.string(); }
    void irq(int n, const std::string& affinity, const std::string& spurious)
    {
        const auto dir = m_root / "irq" / std::to_string(n);
        fs::create_directories(dir);
        std::ofstream(dir / "effective_affinity_list") << affinity;
        std::ofstream(dir / "spurious") << spurious;
    }
    void interrupts(const std::string& text) { std::ofstream(m_root / "interrupts") << text; }

private:
    fs::path m_root;
};

} // namespace

TEST(ObserveSample, CpuColumnsFollowHotplug)
{
    EXPECT_EQ(parseCpuColumns(kObservedProc61), (std::vector<int>{0, 1}));
    EXPECT_EQ(parseCpuColumns(kProc618Unplugged), (std::vector<int>{0, 2, 3}));
    EXPECT_EQ(parseCpuColumns("           CPU0       \n 24: 1 x\n"), std::vector<int>{0});
    EXPECT_TRUE(parseCpuColumns("").empty());
}

TEST(ObserveSample, SpuriousFile)
{
    const auto s = parseSpurious("count 12\nunhandled 3\nlast_unhandled 4294 ms\n");
    EXPECT_EQ(s.count, 12u);
    EXPECT_EQ(s.unhandled, 3u);
    EXPECT_EQ(s.lastUnhandledMs, 4294u);
    const auto empty = parseSpurious("");
    EXPECT_EQ(empty.unhandled, 0u);
    EXPECT_EQ(parseSpurious("garbage\nunhandled 7").unhandled, 7u);
}

TEST(ObserveSample, Kernel61TextWithPerIrqFiles)
{
    SampledProc p;
    for (int irq = 24; irq <= 28; ++irq)
        p.irq(irq, irq % 2 ? "1\n" : "0\n", "count 0\nunhandled 0\nlast_unhandled 0 ms\n");
    const auto sample = sampleFromText(kObservedProc61, "0000:00:03.0", p.root(), 123);
    EXPECT_EQ(sample.timeNs, 123);
    EXPECT_EQ(sample.cpus, (std::vector<int>{0, 1}));
    ASSERT_EQ(sample.irqs.size(), 5u);
    for (uint32_t v = 0; v < 5; ++v) {
        const auto& o = sample.irqs[v];
        EXPECT_EQ(o.irq.action.vector, (VectorId{IrqIndex::Msix, v}));
        EXPECT_EQ(o.irq.irq, static_cast<int>(24 + v));
        EXPECT_EQ(o.irq.effectiveCpu, (24 + static_cast<int>(v)) % 2);
        ASSERT_EQ(o.irq.perCpu.size(), 2u);
    }
    EXPECT_EQ(sample.irqs[2].irq.perCpu, (std::vector<uint64_t>{0, 9}));
}

TEST(ObserveSample, Kernel618TextSharedIntxAndUnplugged)
{
    SampledProc p;
    p.irq(16, "0\n", "count 40\nunhandled 37\nlast_unhandled 1200 ms\n");
    p.interrupts(kProc618Unplugged);
    const auto intx = readIrqSample("0000:00:1a.0", p.root());
    EXPECT_GT(intx.timeNs, 0);
    ASSERT_EQ(intx.irqs.size(), 1u);
    EXPECT_EQ(intx.irqs[0].irq.action.vector, (VectorId{IrqIndex::Intx, 0}));
    EXPECT_EQ(intx.irqs[0].spurious.unhandled, 37u); // the shared line's other device
    EXPECT_EQ(intx.irqs[0].irq.effectiveCpu, 0);

    const auto msix = readIrqSample("0000:01:00.0", p.root());
    EXPECT_EQ(msix.cpus, (std::vector<int>{0, 2, 3}));
    ASSERT_EQ(msix.irqs.size(), 2u);
    EXPECT_EQ(msix.irqs[0].irq.perCpu, (std::vector<uint64_t>{0, 44, 0}));
    EXPECT_EQ(msix.irqs[1].irq.action.vector, (VectorId{IrqIndex::Msix, 1}));
    EXPECT_EQ(msix.irqs[1].irq.effectiveCpu, -1); // no /proc/irq/129 in the tree: unknown

    EXPECT_TRUE(readIrqSample("0000:09:00.0", p.root()).irqs.empty());
    EXPECT_TRUE(readIrqSample("0000:01:00.0", p.root() + "/missing").irqs.empty());
}

TEST(ObserveSample, Kernel612GuestTextThroughHotplug)
{
    // Captured in the tests/vm 6.12 guest (intel-iommu interrupt remapping), then as the same guest would print
    // it with a second CPU online, and with CPU0 offline.
    const std::string oneCpu = R"(           CPU0       
 25:         11  IR-PCI-MSIX-0000:00:02.0   0-edge      vfio-msix[0](0000:00:02.0)
 26:          0  IR-PCI-MSIX-0000:00:02.0   1-edge      vfio-msix[1](0000:00:02.0)
)";
    const std::string twoCpus = R"(           CPU0       CPU1       
 25:         11          4  IR-PCI-MSIX-0000:00:02.0   0-edge      vfio-msix[0](0000:00:02.0)
 26:          0          0  IR-PCI-MSIX-0000:00:02.0   1-edge      vfio-msix[1](0000:00:02.0)
)";
    const std::string cpu1Only = R"(           CPU1       
 25:          9  IR-PCI-MSIX-0000:00:02.0   0-edge      vfio-msix[0](0000:00:02.0)
 26:          2  IR-PCI-MSIX-0000:00:02.0   1-edge      vfio-msix[1](0000:00:02.0)
)";
    const auto a = sampleFromText(oneCpu, "0000:00:02.0", "/nonexistent", 1);
    const auto b = sampleFromText(twoCpus, "0000:00:02.0", "/nonexistent", 2);
    const auto c = sampleFromText(cpu1Only, "0000:00:02.0", "/nonexistent", 3);
    EXPECT_EQ(a.cpus, std::vector<int>{0});
    EXPECT_EQ(b.cpus, (std::vector<int>{0, 1}));
    EXPECT_EQ(c.cpus, std::vector<int>{1});
    ASSERT_EQ(a.irqs.size(), 2u);
    ASSERT_EQ(b.irqs.size(), 2u);
    ASSERT_EQ(c.irqs.size(), 2u);
    EXPECT_EQ(a.irqs[0].irq.perCpu, std::vector<uint64_t>{11});
    EXPECT_EQ(b.irqs[0].irq.perCpu, (std::vector<uint64_t>{11, 4}));
    EXPECT_EQ(c.irqs[0].irq.perCpu, std::vector<uint64_t>{9}); // the count of CPU1, not of CPU0
    EXPECT_EQ(c.irqs[1].irq.action.vector, (VectorId{IrqIndex::Msix, 1}));
    EXPECT_EQ(c.irqs[1].irq.irq, 26);
}

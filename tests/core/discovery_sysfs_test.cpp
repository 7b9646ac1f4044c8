// Discovery against a fake sysfs tree in a temp dir: ids, driver, IOMMU group and no-IOMMU, config-space
// interrupt counts and the one-line problem of a device that cannot be opened.
#include "vfio/discovery.h"
#include "vfio/pci_ids.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace irqscope::core;
namespace fs = std::filesystem;

namespace {

// A 256-byte config space with the capabilities given as (id, control) in a chain from 0x40.
std::string configSpace(uint8_t pin, std::initializer_list<std::pair<uint8_t, uint16_t>> caps)
{
    std::string c(256, '\0');
    c[0x06] = caps.size() ? 0x10 : 0; // status: capability list
    c[0x3d] = static_cast<char>(pin);
    uint8_t pos = 0x40;
    c[0x34] = caps.size() ? static_cast<char>(pos) : 0;
    std::size_t i = 0;
    for (const auto& [id, control] : caps) {
        c[pos] = static_cast<char>(id);
        c[pos + 1] = ++i < caps.size() ? static_cast<char>(pos + 0x10) : 0;
        c[pos + 2] = static_cast<char>(control & 0xff);
        c[pos + 3] = static_cast<char>(control >> 8);
        pos += 0x10;
    }
    return c;
}

class FakeSysfs
{
public:
    FakeSysfs()
        : m_root(fs::temp_directory_path() / ("irqscope_sysfs_" + std::to_string(getpid())))
    {
        fs::remove_all(m_root);
        fs::create_directories(m_root / "bus/pci/devices");
        fs::create_directories(m_root / "bus/pci/drivers/vfio-pci");
        fs::create_directories(m_root / "bus/pci/drivers/e1000e");
    }
    ~FakeSysfs() { fs::remove_all(m_root); }

    void add(const std::string& bdf, const std::string& vendor, const std::string& device, const std::string& driver,
             int group, bool noIommu, const std::string& config)
    {
        const auto dir = m_root / "devices/pci0000:00" / bdf;
        fs::create_directories(dir);
        std::ofstream(dir / "vendor") << vendor << "\n";
        std::ofstream(dir / "device") << device << "\n";
        std::ofstream(dir / "config", std::ios::binary) << config;
        fs::create_directory_symlink(dir, m_root / "bus/pci/devices" / bdf);
        if (!driver.empty()) {
            fs::create_directory_symlink(m_root / "bus/pci/drivers" / driver, dir / "driver");
            if (driver == "vfio-pci")
                fs::create_directory_symlink(dir, m_root / "bus/pci/drivers/vfio-pci" / bdf);
        }
        if (group >= 0) {
            const auto g = m_root / "kernel/iommu_groups" / std::to_string(group);
            fs::create_directories(g);
            if (noIommu)
                std::ofstream(g / "name") << "vfio-noiommu\n";
            fs::create_directory_symlink(g, dir / "iommu_group");
        }
    }
    std::string root() const { return m_root.string(); }

private:
    fs::path m_root;
};

} // namespace

TEST(DiscoveryBdf, Normalizes)
{
    EXPECT_EQ(normalizeBdf("01:00.0"), "0000:01:00.0");
    EXPECT_EQ(normalizeBdf("0000:AF:1f.7"), "0000:af:1f.7");
    EXPECT_FALSE(normalizeBdf("01:00.8"));
    EXPECT_FALSE(normalizeBdf("1:00.0"));
    EXPECT_FALSE(normalizeBdf("0000:01:00:0"));
    EXPECT_FALSE(normalizeBdf("sim"));
    EXPECT_FALSE(normalizeBdf(""));
}

TEST(DiscoveryConfig, CountsFromCapabilities)
{
    // e1000e: INTx pin A, MSI (1 vector), PCIe, MSI-X with table size 5.
    const auto e1000e = configSpace(1, {{0x05, 0x0080}, {0x10, 0}, {0x11, 0x0004}});
    const auto c = irqCountsFromConfig(std::span(reinterpret_cast<const uint8_t*>(e1000e.data()), e1000e.size()));
    EXPECT_EQ(c[VFIO_PCI_INTX_IRQ_INDEX].count, 1u);
    EXPECT_EQ(c[VFIO_PCI_MSI_IRQ_INDEX].count, 1u);
    EXPECT_EQ(c[VFIO_PCI_MSIX_IRQ_INDEX].count, 5u);
    EXPECT_EQ(c[VFIO_PCI_ERR_IRQ_INDEX].count, 1u);
    EXPECT_EQ(c[VFIO_PCI_REQ_IRQ_INDEX].count, 1u);
    for (const auto& i : c)
        EXPECT_FALSE(i.known);
    // nec-xhci with msix=off: Multiple Message Capable = 4 (16 vectors).
    const auto xhci = configSpace(1, {{0x05, 4 << 1}, {0x10, 0}});
    const auto x = irqCountsFromConfig(std::span(reinterpret_cast<const uint8_t*>(xhci.data()), xhci.size()));
    EXPECT_EQ(x[VFIO_PCI_MSI_IRQ_INDEX].count, 16u);
    EXPECT_EQ(x[VFIO_PCI_MSIX_IRQ_INDEX].count, 0u);
    // An unprivileged read gets 64 bytes: no capabilities, INTx from the pin.
    const auto shortConfig = e1000e.substr(0, 64);
    const auto s =
        irqCountsFromConfig(std::span(reinterpret_cast<const uint8_t*>(shortConfig.data()), shortConfig.size()));
    EXPECT_EQ(s[VFIO_PCI_INTX_IRQ_INDEX].count, 1u);
    EXPECT_EQ(s[VFIO_PCI_MSIX_IRQ_INDEX].count, 0u);
    // A capability list that loops on itself ends.
    auto loop = configSpace(0, {{0x05, 0}});
    loop[0x41] = 0x40;
    const auto l = irqCountsFromConfig(std::span(reinterpret_cast<const uint8_t*>(loop.data()), loop.size()));
    EXPECT_EQ(l[VFIO_PCI_MSI_IRQ_INDEX].count, 1u);
    EXPECT_EQ(l[VFIO_PCI_INTX_IRQ_INDEX].count, 0u);
}

TEST(DiscoverySysfs, ListsOnlyVfioDevicesWithGroupAndMode)
{
    FakeSysfs sys;
    sys.add("0000:00:02.0", "0x1234", "0x11e8", "vfio-pci", 3, true, configSpace(1, {{0x05, 0}}));
    sys.add("0000:00:03.0", "0x8086", "0x10d3", "vfio-pci", 4, false,
            configSpace(1, {{0x05, 0x80}, {0x10, 0}, {0x11, 4}}));
    sys.add("0000:00:04.0", "0x8086", "0x10d3", "e1000e", 5, false, configSpace(1, {}));
    const auto list = discoverVfioDevices(sys.root());
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].bdf, "0000:00:02.0");
    EXPECT_EQ(list[0].vendor, 0x1234);
    EXPECT_EQ(list[0].device, 0x11e8);
    EXPECT_EQ(list[0].driver, "vfio-pci");
    EXPECT_EQ(list[0].iommuGroup, 3);
    EXPECT_TRUE(list[0].noIommu);
    EXPECT_EQ(list[0].groupPath, "/dev/vfio/noiommu-3");
    EXPECT_EQ(list[0].irqs[VFIO_PCI_MSI_IRQ_INDEX].count, 1u);
    EXPECT_EQ(list[0].irqs[VFIO_PCI_ERR_IRQ_INDEX].count, 0u) << "conventional PCI: no ERR";
    EXPECT_EQ(list[0].problem, "");
    EXPECT_EQ(list[1].groupPath, "/dev/vfio/4");
    EXPECT_FALSE(list[1].noIommu);
    EXPECT_EQ(list[1].irqs[VFIO_PCI_MSIX_IRQ_INDEX].count, 5u);
}

TEST(DiscoverySysfs, ProblemsSayWhatToDo)
{
    FakeSysfs sys;
    sys.add("0000:00:04.0", "0x8086", "0x10d3", "e1000e", 5, false, configSpace(1, {}));
    sys.add("0000:00:05.0", "0x8086", "0x10d3", "", 6, false, configSpace(1, {}));
    sys.add("0000:00:06.0", "0x8086", "0x10d3", "vfio-pci", -1, false, configSpace(1, {}));
    const auto host = describePciDevice("0000:00:04.0", sys.root());
    ASSERT_TRUE(host);
    EXPECT_EQ(host->driver, "e1000e");
    EXPECT_NE(host->problem.find("bound to e1000e, not vfio-pci"), std::string::npos) << host->problem;
    EXPECT_NE(host->problem.find("driverctl set-override 0000:00:04.0 vfio-pci"), std::string::npos);
    const auto unbound = describePciDevice("0000:00:05.0", sys.root());
    EXPECT_NE(unbound->problem.find("not bound to any driver"), std::string::npos) << unbound->problem;
    const auto noGroup = describePciDevice("0000:00:06.0", sys.root());
    EXPECT_NE(noGroup->problem.find("no IOMMU group"), std::string::npos) << noGroup->problem;
    for (const auto* d : {&*host, &*unbound, &*noGroup})
        EXPECT_EQ(d->problem.find('\n'), std::string::npos);
    EXPECT_FALSE(describePciDevice("0000:00:09.0", sys.root()));
}

TEST(DiscoverySysfs, NoVfioDriverMeansAnEmptyList)
{
    const auto root = fs::temp_directory_path() / ("irqscope_empty_sysfs_" + std::to_string(getpid()));
    fs::create_directories(root);
    EXPECT_TRUE(discoverVfioDevices(root.string()).empty());
    fs::remove_all(root);
}

TEST(DiscoveryPciIds, NamesFromAPciIdsFile)
{
    const auto path = fs::temp_directory_path() / ("irqscope_pci_ids_" + std::to_string(getpid()));
    std::ofstream(path) << "# comment\n"
                           "1234  Technical Corp.\n"
                           "\t11e8  QEMU edu device\n"
                           "8086  Intel Corporation\n"
                           "\t10c9  82576 Gigabit Network Connection\n"
                           "\t\t8086 a03c  Ethernet Server Adapter\n"
                           "\t10d3  82574L Gigabit Network Connection\n"
                           "C 00  Unclassified device\n";
    EXPECT_EQ(pciIdsName(0x8086, 0x10d3, path.string()), "Intel Corporation 82574L Gigabit Network Connection");
    EXPECT_EQ(pciIdsName(0x1234, 0x11e8, path.string()), "Technical Corp. QEMU edu device");
    EXPECT_EQ(pciIdsName(0x1234, 0x0001, path.string()), "Technical Corp.") << "vendor only";
    EXPECT_EQ(pciIdsName(0x1b36, 0x0010, path.string()), "");
    EXPECT_EQ(pciIdsName(0x8086, 0x10d3, "/nonexistent/pci.ids"), "");
    fs::remove(path);
}

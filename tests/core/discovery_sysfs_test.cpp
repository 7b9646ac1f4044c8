// Discovery against a fake sysfs tree in a temp dir: ids, driver, IOMMU group and no-IOMMU, config-space
// interrupt counts and the one-line problem of a device that cannot be opened.
#include "fake_sysfs.h"
#include "vfio/discovery.h"
#include "vfio/pci_ids.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace irqscope::core;
namespace fs = std::filesystem;

using irqscope::test::FakeSysfs;

namespace {

std::string configSpace(uint8_t pin, std::initializer_list<std::pair<uint8_t, uint16_t>> caps)
{
    return irqscope::test::fakeConfigSpace(pin, caps);
}

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

TEST(DiscoverySysfs, AVfNamesItsPhysicalFunctionAndAPfItsVfCounts)
{
    FakeSysfs sys("sysfs_sriov");
    // An 82576 (igb) PF on vfio-pci with 2 of 8 VFs enabled, one VF on vfio-pci, and a VF of a PF on igb.
    sys.add("0000:00:02.0", "0x8086", "0x10c9", "vfio-pci", 2, false, configSpace(1, {{0x11, 9}}));
    sys.makePf("0000:00:02.0", 2, 8);
    sys.add("0000:00:10.0", "0x8086", "0x10ca", "vfio-pci", 7, false, configSpace(0, {{0x11, 2}}));
    sys.makeVf("0000:00:10.0", "0000:00:02.0", 0);
    sys.add("0000:00:03.0", "0x8086", "0x10c9", "igb", 3, false, configSpace(1, {}));
    sys.makePf("0000:00:03.0", 1, 8);
    sys.add("0000:00:11.0", "0x8086", "0x10ca", "vfio-pci", 8, false, configSpace(0, {{0x11, 2}}));
    sys.makeVf("0000:00:11.0", "0000:00:03.0", 0);
    sys.add("0000:00:04.0", "0x1234", "0x11e8", "vfio-pci", 4, false, configSpace(1, {}));

    const auto pf = describePciDevice("0000:00:02.0", sys.root());
    ASSERT_TRUE(pf);
    EXPECT_EQ(pf->physicalFunction, "");
    ASSERT_TRUE(pf->sriov);
    EXPECT_EQ(pf->sriov->numVfs, 2u);
    EXPECT_EQ(pf->sriov->totalVfs, 8u);

    const auto vf = describePciDevice("0000:00:10.0", sys.root());
    ASSERT_TRUE(vf);
    EXPECT_EQ(vf->physicalFunction, "0000:00:02.0");
    EXPECT_EQ(vf->physicalFunctionDriver, "vfio-pci");
    EXPECT_FALSE(vf->sriov) << "a VF has no sriov_* files";
    EXPECT_EQ(vf->irqs[VFIO_PCI_INTX_IRQ_INDEX].count, 0u) << "VFs have no INTx pin";
    EXPECT_EQ(vf->irqs[VFIO_PCI_MSIX_IRQ_INDEX].count, 3u);

    const auto hostVf = describePciDevice("0000:00:11.0", sys.root());
    ASSERT_TRUE(hostVf);
    EXPECT_EQ(hostVf->physicalFunction, "0000:00:03.0");
    EXPECT_EQ(hostVf->physicalFunctionDriver, "igb");

    const auto plain = describePciDevice("0000:00:04.0", sys.root());
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->physicalFunction, "");
    EXPECT_EQ(plain->physicalFunctionDriver, "");
    EXPECT_FALSE(plain->sriov);

    // discoverVfioDevices carries the same fields (the igb-bound PF is not listed).
    const auto list = discoverVfioDevices(sys.root());
    ASSERT_EQ(list.size(), 4u);
    EXPECT_EQ(list[0].bdf, "0000:00:02.0");
    EXPECT_TRUE(list[0].sriov);
    EXPECT_EQ(list[2].bdf, "0000:00:10.0");
    EXPECT_EQ(list[2].physicalFunction, "0000:00:02.0");
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

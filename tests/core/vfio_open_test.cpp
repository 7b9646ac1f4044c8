// openVfioDevice on this machine: errors for devices that cannot be opened are one line that says what to do;
// the real open path is exercised in the QEMU guest (tests/vm).
#include "vfio/discovery.h"
#include "vfio/vfio_device.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace irqscope::core;

TEST(VfioOpen, NoSuchDeviceIsOneLine)
{
    std::string error;
    EXPECT_EQ(openVfioDevice("0000:ff:1f.7", error), nullptr);
    EXPECT_NE(error.find("no PCI device 0000:ff:1f.7"), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST(VfioOpen, AMalformedVfTokenIsRefusedBeforeTheDeviceIsLookedUp)
{
    std::string error;
    EXPECT_EQ(openVfioDevice("0000:ff:1f.7", error, VfioOpenOptions{"bd8d9d2b"}), nullptr);
    EXPECT_EQ(error.rfind("--vf-token: 'bd8d9d2b'", 0), 0u) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST(VfioOpen, DeviceNotBoundToVfioPciSaysHowToBind)
{
    // Any PCI device of this machine that is not bound to vfio-pci.
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/sys/bus/pci/devices", ec)) {
        const auto d = readPciDevice(entry.path().filename().string());
        if (!d || d->driver == "vfio-pci")
            continue;
        std::string error;
        EXPECT_EQ(openVfioDevice(d->bdf, error), nullptr);
        EXPECT_NE(error.find("vfio-pci"), std::string::npos) << error;
        EXPECT_NE(error.find("driver_override"), std::string::npos) << error;
        EXPECT_EQ(error.find('\n'), std::string::npos);
        return;
    }
    GTEST_SKIP() << "no PCI device outside vfio-pci on this machine";
}

TEST(VfioOpen, OpensEveryListedDeviceOrExplainsWhyNot)
{
    std::error_code ec;
    if (!std::filesystem::exists("/dev/vfio/vfio", ec))
        GTEST_SKIP() << "/dev/vfio/vfio is missing: no vfio-pci here (the QEMU guest tests in tests/vm cover it)";
    const auto devices = discoverVfioDevices();
    if (devices.empty())
        GTEST_SKIP() << "no device is bound to vfio-pci on this machine";
    for (const auto& d : devices) {
        std::string error;
        const auto device = openVfioDevice(d.bdf, error);
        if (!device) {
            EXPECT_FALSE(error.empty());
            EXPECT_EQ(error.find('\n'), std::string::npos);
            continue;
        }
        EXPECT_EQ(device->info().id, d.bdf);
        IrqInfo info;
        EXPECT_EQ(device->irqInfo(VFIO_PCI_REQ_IRQ_INDEX, info), 0);
        EXPECT_EQ(device->irqInfo(VFIO_PCI_NUM_IRQS, info), -EINVAL);
    }
}

// The VF token against the real kernel on a device that is no SR-IOV function (edu): the name "BDF vf_token=UUID"
// reaches vfio_pci_core_match, which refuses the needless token with EINVAL, and irqscope says to drop it
// (docs/kernel-vfio-irq.md §1.8). VFs of a vfio-pci PF are exercised by the igb guest tests.
#include "vm_support.h"

#include "vfio/vfio_device.h"

using namespace irqscope::vmtest;

TEST(VmVfToken, ATokenForANonSriovDeviceIsRefusedAndTheDeviceStaysOpenable)
{
    IRQSCOPE_REQUIRE_DEVICE(bdf, DeviceKind::Edu);
    std::string error;
    EXPECT_EQ(openVfioDevice(bdf, error, VfioOpenOptions{"bd8d9d2b-5a5f-4f5a-a211-f591514ba1f3"}), nullptr);
    std::printf("ERROR needless-token: %s\n", error.c_str());
    EXPECT_NE(error.find("neither an SR-IOV VF nor a PF"), std::string::npos) << error;
    EXPECT_NE(error.find("drop --vf-token"), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    // The refused open released the group and container: the device opens without a token.
    EXPECT_NE(openVfioDevice(bdf, error), nullptr) << error;
}

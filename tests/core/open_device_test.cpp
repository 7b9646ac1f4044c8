// openDevice(): a --profile applies to every device, the simulated one included, and a malformed one is a
// one-line error before any device is opened.
#include "device/open_device.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace irqscope::core;

namespace {

std::string writeOpenDeviceProfile(const std::string& name, const std::string& text)
{
    const auto path =
        std::filesystem::temp_directory_path() / ("irqscope-open-device-" + std::to_string(getpid()) + "-" + name);
    std::ofstream(path) << text;
    return path.string();
}

} // namespace

TEST(OpenDevice, SimWithoutAProfileUsesTheSimProfile)
{
    DeviceRequest request;
    const OpenedDevice opened = openDevice(request);
    ASSERT_TRUE(opened.device) << opened.error;
    EXPECT_EQ(opened.profile.name, "sim");
}

TEST(OpenDevice, SimUsesTheProfileItIsGiven)
{
    DeviceRequest request;
    request.profilePath = writeOpenDeviceProfile(
        "loopback-only.json", R"({"irqscope_profile": 1, "name": "loopback-only", "description": "no recipe",
                                  "setup": [], "teardown": [], "indexes": {}})");
    const OpenedDevice opened = openDevice(request);
    std::filesystem::remove(request.profilePath);
    ASSERT_TRUE(opened.device) << opened.error;
    EXPECT_EQ(opened.profile.name, "loopback-only");
    EXPECT_FALSE(opened.profile.canRaise({IrqIndex::Msix, 0}));
}

TEST(OpenDevice, AMalformedProfileIsAOneLineErrorForTheSimToo)
{
    DeviceRequest request;
    request.profilePath = writeOpenDeviceProfile("broken.json", "{ not json");
    const OpenedDevice opened = openDevice(request);
    std::filesystem::remove(request.profilePath);
    EXPECT_FALSE(opened.device);
    ASSERT_FALSE(opened.error.empty());
    EXPECT_NE(opened.error.find("broken.json"), std::string::npos) << opened.error;
    EXPECT_EQ(opened.error.find('\n'), std::string::npos) << opened.error;
}

TEST(OpenDevice, AVfTokenIsCheckedBeforeTheDevice)
{
    DeviceRequest request;
    request.device = "0000:ff:1f.7"; // no such device: the token's error comes first
    request.vfToken = "not-a-uuid";
    const OpenedDevice malformed = openDevice(request);
    EXPECT_FALSE(malformed.device);
    EXPECT_EQ(malformed.error.rfind("--vf-token: 'not-a-uuid'", 0), 0u) << malformed.error;

    request.device = "sim";
    request.vfToken = "bd8d9d2b-5a5f-4f5a-a211-f591514ba1f3";
    const OpenedDevice sim = openDevice(request);
    EXPECT_FALSE(sim.device) << "the simulated device is no SR-IOV function";
    EXPECT_NE(sim.error.find("drop --vf-token"), std::string::npos) << sim.error;
    EXPECT_EQ(sim.error.find('\n'), std::string::npos) << sim.error;

    request.device = "0000:ff:1f.7";
    const OpenedDevice missing = openDevice(request);
    EXPECT_NE(missing.error.find("no PCI device"), std::string::npos)
        << "a well-formed token goes on: " << missing.error;
}

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

// `irqscope list` on a fake sysfs tree (--sysfs-root): SR-IOV fields (a VF's PF, a PF's VF counts) and the trigger
// modes each device offers, in JSON and in the table.
#include "cli_process.h"
#include "fake_sysfs.h"
#include "profile/device_profile.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

using irqscope::test::FakeSysfs;
using irqscope::test::lineCount;
using irqscope::test::runCli;

namespace {

// The tree every list test reads: an e1000e-id device, an unknown-id device, an 82576 PF with a VF, all on
// vfio-pci.
void addListDevices(FakeSysfs& sys)
{
    using irqscope::test::fakeConfigSpace;
    sys.add("0000:00:03.0", "0x8086", "0x10d3", "vfio-pci", 3, false,
            fakeConfigSpace(1, {{0x05, 0x80}, {0x10, 0}, {0x11, 4}}));
    sys.add("0000:00:05.0", "0x1b36", "0x0010", "vfio-pci", 5, false, fakeConfigSpace(1, {{0x11, 7}}));
    sys.add("0000:00:02.0", "0x8086", "0x10c9", "vfio-pci", 2, false, fakeConfigSpace(1, {{0x10, 0}, {0x11, 9}}));
    sys.makePf("0000:00:02.0", 1, 7);
    sys.add("0000:00:10.0", "0x8086", "0x10ca", "vfio-pci", 10, false, fakeConfigSpace(0, {{0x10, 0}, {0x11, 2}}));
    sys.makeVf("0000:00:10.0", "0000:00:02.0", 0);
}

const nlohmann::json& listEntry(const nlohmann::json& list, const std::string& device)
{
    for (const auto& d : list)
        if (d["device"] == device)
            return d;
    static const nlohmann::json kNone;
    ADD_FAILURE() << device << " is not listed";
    return kNone;
}

// What the built-in profiles say for these ids: the test names no profile for a real device, so a profile added
// for an id here (igbvf is) changes the expectation with it.
std::string listProfileFor(uint32_t vendor, uint32_t device)
{
    const auto& p = irqscope::core::profileFor(vendor, device);
    return &p == &irqscope::core::genericProfile() ? std::string() : p.name;
}

nlohmann::json listModes(const std::string& profile)
{
    return profile.empty() ? nlohmann::json{"loopback"} : nlohmann::json{"loopback", "device"};
}

} // namespace

TEST(ListCli, JsonHasSriovFieldsAndTriggerModes)
{
    FakeSysfs sys("sysfs_list_json");
    addListDevices(sys);
    const auto r = runCli("list --json --sysfs-root " + sys.root());
    ASSERT_EQ(r.exitCode, 0) << r.output;
    const auto list = nlohmann::json::parse(r.output);
    ASSERT_EQ(list.size(), 5u) << r.output;

    const auto& sim = listEntry(list, "sim");
    EXPECT_EQ(sim["trigger_modes"], (nlohmann::json{"loopback", "device"}));
    EXPECT_EQ(sim["device_profile"], irqscope::core::simProfile().name);
    EXPECT_EQ(sim["physical_function"], "");
    EXPECT_FALSE(sim.contains("sriov"));

    const auto& e1000e = listEntry(list, "0000:00:03.0");
    ASSERT_FALSE(listProfileFor(0x8086, 0x10d3).empty()) << "e1000e has a built-in profile";
    EXPECT_EQ(e1000e["trigger_modes"], listModes(listProfileFor(0x8086, 0x10d3)));
    EXPECT_EQ(e1000e["device_profile"], listProfileFor(0x8086, 0x10d3));
    EXPECT_EQ(e1000e["physical_function"], "");
    EXPECT_FALSE(e1000e.contains("sriov"));

    const auto& unknown = listEntry(list, "0000:00:05.0");
    EXPECT_EQ(unknown["trigger_modes"], (nlohmann::json{"loopback"}));
    EXPECT_EQ(unknown["device_profile"], "");

    const auto& pf = listEntry(list, "0000:00:02.0");
    EXPECT_EQ(pf["physical_function"], "");
    EXPECT_EQ(pf["sriov"], (nlohmann::json{{"numvfs", 1}, {"totalvfs", 7}}));
    EXPECT_EQ(pf["trigger_modes"], listModes(listProfileFor(0x8086, 0x10c9)));
    EXPECT_EQ(pf["device_profile"], listProfileFor(0x8086, 0x10c9));

    const auto& vf = listEntry(list, "0000:00:10.0");
    EXPECT_EQ(vf["physical_function"], "0000:00:02.0");
    EXPECT_EQ(vf["physical_function_driver"], "vfio-pci");
    EXPECT_FALSE(vf.contains("sriov"));
    EXPECT_EQ(vf["trigger_modes"], listModes(listProfileFor(0x8086, 0x10ca)));
    EXPECT_EQ(vf["device_profile"], listProfileFor(0x8086, 0x10ca));
    EXPECT_EQ(vf["irqs"]["msix"]["count"], 3);
}

TEST(ListCli, TableShowsTriggersAndTheVfsPhysicalFunction)
{
    FakeSysfs sys("sysfs_list_table");
    addListDevices(sys);
    const auto r = runCli("list --sysfs-root " + sys.root());
    ASSERT_EQ(r.exitCode, 0) << r.output;
    EXPECT_NE(r.output.find("TRIGGERS"), std::string::npos) << r.output;
    auto lineOf = [&](const std::string& start) {
        const auto at = r.output.find("\n" + start);
        EXPECT_NE(at, std::string::npos) << start << " missing in\n" << r.output;
        return at == std::string::npos ? std::string() : r.output.substr(at + 1, r.output.find('\n', at + 1) - at - 1);
    };
    EXPECT_NE(lineOf("sim ").find("loopback,device(" + irqscope::core::simProfile().name + ")"), std::string::npos);
    EXPECT_NE(lineOf("0000:00:03.0").find("loopback,device(" + listProfileFor(0x8086, 0x10d3) + ")"), std::string::npos)
        << r.output;
    const auto unknown = lineOf("0000:00:05.0");
    EXPECT_NE(unknown.find("loopback"), std::string::npos) << unknown;
    EXPECT_EQ(unknown.find("device("), std::string::npos) << unknown;
    EXPECT_NE(r.output.find("VF of 0000:00:02.0 (PF driver: vfio-pci)"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("SR-IOV PF: 1 of 7 VFs enabled"), std::string::npos) << r.output;
}

TEST(VfTokenCli, MalformedTokenIsOneLineBeforeAnythingOpens)
{
    for (const char* args : {"run --device 0000:99:00.0 --vf-token nope",
                             "run --device sim --vf-token bd8d9d2b-5a5f-4f5a-a211-f591514ba1f",
                             "exporter --device 0000:99:00.0 --vf-token 1234"}) {
        const auto r = runCli(args);
        EXPECT_EQ(r.exitCode, 2) << args << ": " << r.output;
        EXPECT_EQ(lineCount(r.output), 1) << args << ": " << r.output;
        EXPECT_NE(r.output.find("--vf-token: '"), std::string::npos) << args << ": " << r.output;
        EXPECT_EQ(r.output.find("no PCI device"), std::string::npos) << "checked before the device: " << r.output;
    }
}

TEST(VfTokenCli, TokenForTheSimIsRefusedInOneLine)
{
    for (const char* args : {"run --device sim --vf-token bd8d9d2b-5a5f-4f5a-a211-f591514ba1f3 --duration 1s",
                             "exporter --device sim --vf-token bd8d9d2b-5a5f-4f5a-a211-f591514ba1f3"}) {
        const auto r = runCli(args);
        EXPECT_EQ(r.exitCode, 2) << args << ": " << r.output;
        EXPECT_EQ(lineCount(r.output), 1) << args << ": " << r.output;
        EXPECT_NE(r.output.find("drop --vf-token"), std::string::npos) << args << ": " << r.output;
    }
}

TEST(VfTokenCli, TokenIsNotAnObserverOption)
{
    const auto r = runCli("run --observe 0000:00:02.0 --vf-token bd8d9d2b-5a5f-4f5a-a211-f591514ba1f3");
    EXPECT_EQ(r.exitCode, 2) << r.output;
    EXPECT_EQ(lineCount(r.output), 1) << r.output;
}

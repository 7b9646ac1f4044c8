// The VF token through the CLI on QEMU's igb with the PF on vfio-pci (phase "sriov-vfio", docs/guest-tests.md §10):
// this process is the PF's user. It sets the token by opening the PF with it, closes the PF, opens it again without
// one (the kernel keeps the token: vfio_pci_validate_vf_token copies it into the PF's vf_token, which lives as long
// as vfio-pci's binding), puts the PF in MSI-X mode (GPIE, through the igb profile's setup: the VFs' interrupts need
// it, docs/profiles.md "igb and igbvf") and holds it. Then `irqscope run` on a VF: without --vf-token, one line that
// names the option; with the right token, a balanced device-raised run; with a wrong one, one line; nothing armed
// after any of them. And `irqscope list --json` shows each VF's PF and the profiles.
#include "vm_cli.h"
#include "vm_support.h"

#include "profile/device_profile.h"
#include "vfio/vfio_device.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <sys/wait.h>

using namespace irqscope::vmtest;

namespace {

constexpr const char* kVfTokenRight = "5e1ec7ed-0a11-4b1d-9c3e-1b5a00c0ffee";
constexpr const char* kVfTokenWrong = "0badc0de-dead-4bee-8f00-000000000001";

CliResult tokenCli(const std::string& args)
{
    return runCli(args, "vmtok");
}

std::size_t lineCount(const std::string& text)
{
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

bool anythingArmed()
{
    return slurpFile("/proc/interrupts").find("vfio-") != std::string::npos;
}

bool tokenPhase()
{
    const char* phase = std::getenv("IRQSCOPE_VM_PHASE");
    return phase && std::string_view(phase) == "sriov-vfio";
}

std::vector<std::string> tokenVfs()
{
    const auto [vendor, device] = pciIds(DeviceKind::IgbVf);
    std::vector<std::string> out;
    for (const auto& d : discoverVfioDevices())
        if (d.vendor == vendor && d.device == device)
            out.push_back(d.bdf);
    return out;
}

} // namespace

TEST(VmIgbSriovVfio, TheVfTokenThroughTheCliWithThePfHeldInMsixMode)
{
    if (!tokenPhase())
        GTEST_SKIP() << "runs only while /init has the igb PF on vfio-pci with SR-IOV on (docs/guest-tests.md §10)";
    IRQSCOPE_REQUIRE_DEVICE(pf, DeviceKind::Igb);
    const auto vfs = tokenVfs();
    ASSERT_EQ(vfs.size(), 2u);
    const std::string& vf = vfs.front();
    std::string error;
    {
        // The PF's user sets the token (no VF is open, so the kernel takes it), then closes.
        auto setter = openVfioDevice(pf, error, VfioOpenOptions{kVfTokenRight});
        ASSERT_NE(setter, nullptr) << error;
    }
    // Reopened without a token and held: GPIE.Multiple_MSIX from the igb profile's setup (its own bits only).
    auto holder = openVfioDevice(pf, error);
    ASSERT_NE(holder, nullptr) << error;
    for (const auto& w : profileFor(0x8086, 0x10c9).setup)
        ASSERT_EQ(holder->regionWrite32(w.region, w.offset, w.valueFor(0)), 0);
    ASSERT_FALSE(anythingArmed());

    const std::string run = fmt::format("run -d {} -v msix -t device -r 200 -D 500ms --no-live", vf);
    const auto missing = tokenCli(run);
    EXPECT_NE(missing.rc, 0);
    EXPECT_EQ(lineCount(missing.err), 1u) << missing.err;
    EXPECT_NE(missing.err.find("--vf-token"), std::string::npos) << missing.err;
    EXPECT_FALSE(anythingArmed()) << "after the run without a token";

    const auto wrong = tokenCli(fmt::format("{} --vf-token {}", run, kVfTokenWrong));
    EXPECT_NE(wrong.rc, 0);
    EXPECT_EQ(lineCount(wrong.err), 1u) << wrong.err;
    EXPECT_NE(wrong.err.find("wrong VF token"), std::string::npos) << wrong.err;
    EXPECT_FALSE(anythingArmed()) << "after the run with a wrong token";

    // The token set by the PF's first, closed user still opens the VF: the kernel kept it.
    const auto right =
        tokenCli(fmt::format("{} --vf-token {} --check-accounting --json /tmp/vmtok.json", run, kVfTokenRight));
    ASSERT_EQ(right.rc, 0) << right.err;
    const auto report = nlohmann::json::parse(slurpFile("/tmp/vmtok.json"));
    EXPECT_EQ(report["totals"]["balanced"], true);
    ASSERT_EQ(report["vectors"].size(), 3u);
    for (const auto& v : report["vectors"]) {
        const uint64_t done = v["completed"].get<uint64_t>() + v["coalesced"].get<uint64_t>() +
                              v["spurious"].get<uint64_t>() + v["device_originated"].get<uint64_t>();
        std::printf("IGBVF-TOKEN %s %s completions=%llu host_count=%s\n", vf.c_str(),
                    v["name"].get<std::string>().c_str(), static_cast<unsigned long long>(done),
                    v["host_count"].dump().c_str());
        EXPECT_GT(done, 0u) << v["name"];
        EXPECT_EQ(v["missed"], 0) << v["name"];
        EXPECT_EQ(v["host_count"], done) << v["name"] << ": every completion was a device-raised interrupt";
    }
    EXPECT_FALSE(anythingArmed()) << "after the run with the right token";

    // list --json: each VF names its PF and offers device triggers with the igbvf profile; the PF reports its VFs.
    const auto list = tokenCli("list --json");
    ASSERT_EQ(list.rc, 0) << list.err;
    int seenVfs = 0;
    bool seenPf = false;
    for (const auto& d : nlohmann::json::parse(list.out)) {
        const std::string bdf = d["device"];
        if (bdf == pf) {
            seenPf = true;
            std::printf("LISTJSON PF %s sriov=%s profile=%s modes=%s\n", bdf.c_str(), d["sriov"].dump().c_str(),
                        d["device_profile"].dump().c_str(), d["trigger_modes"].dump().c_str());
            EXPECT_EQ(d["physical_function"], "");
            EXPECT_EQ(d["sriov"]["numvfs"], 2);
            EXPECT_EQ(d["device_profile"], "igb");
            EXPECT_EQ(d["trigger_modes"], nlohmann::json::array({"loopback", "device"}));
        } else if (std::find(vfs.begin(), vfs.end(), bdf) != vfs.end()) {
            ++seenVfs;
            std::printf("LISTJSON VF %s pf=%s profile=%s modes=%s\n", bdf.c_str(),
                        d["physical_function"].dump().c_str(), d["device_profile"].dump().c_str(),
                        d["trigger_modes"].dump().c_str());
            EXPECT_EQ(d["physical_function"], pf);
            EXPECT_EQ(d["device_profile"], "igbvf");
            EXPECT_EQ(d["trigger_modes"], nlohmann::json::array({"loopback", "device"}));
        }
    }
    EXPECT_TRUE(seenPf);
    EXPECT_EQ(seenVfs, 2);
    for (const auto& w : profileFor(0x8086, 0x10c9).teardown)
        EXPECT_EQ(holder->regionWrite32(w.region, w.offset, w.valueFor(0)), 0);
}

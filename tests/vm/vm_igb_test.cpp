// QEMU's igb (Intel 82576) on the real vfio-pci driver: the PF's 10 MSI-X vectors raised through EICS (phase A, the
// PF bound to vfio-pci), and each SR-IOV VF's 3 MSI-X vectors raised through its own VTEICS (phase "sriov", the PF on
// its kernel driver igb with two VFs bound to vfio-pci; docs/guest-tests.md §10). Each raise must signal exactly its
// own vector once, nothing else, and move the host count by one; loopback must move none. Then `irqscope run` on each
// through its JSON report: books balanced, host counts equal to the completions.
#include "vm_cli.h"
#include "vm_support.h"

#include "profile/device_profile.h"
#include "vfio/vfio_device.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>

using namespace irqscope::vmtest;

namespace {

constexpr int kIgbWaitMs = 1000;
constexpr int kIgbQuietMs = 50;
constexpr int kIgbRounds = 20;
constexpr int kIgbMaxMisses = 3;
constexpr uint32_t kIgbMaxVectors = 10;

// The phase /init runs (docs/guest-tests.md §10): "sriov" (VFs bound, the PF's igb interface up) and
// "sriov-pf-down" (VFs bound, the PF's interface not yet up) must find the VFs.
std::string_view igbPhase()
{
    const char* phase = std::getenv("IRQSCOPE_VM_PHASE");
    return phase ? phase : "";
}

bool sriovPhase()
{
    return igbPhase().starts_with("sriov");
}

// Every device of this kind bound to vfio-pci, in discovery order.
std::vector<std::string> igbDevices(DeviceKind kind)
{
    const auto [vendor, device] = pciIds(kind);
    std::vector<std::string> out;
    for (const auto& d : discoverVfioDevices())
        if (d.vendor == vendor && d.device == device)
            out.push_back(d.bdf);
    return out;
}

void igbApply(IrqDevice& device, const std::vector<RegisterWrite>& writes, uint32_t sub)
{
    for (const auto& w : writes)
        ASSERT_EQ(device.regionWrite32(w.region, w.offset, w.valueFor(sub)), 0) << "write " << std::hex << w.offset;
}

// Raises every MSI-X vector of `bdf` kIgbRounds times through its built-in profile: each raise must be signalled
// once on its own eventfd (counter exactly 1) and on no other, and move the vector's host count by exactly one.
// Loopback on each vector afterwards is signalled and moves no host count.
void expectEachVectorRaisedAlone(const std::string& bdf, const DeviceProfile& profile, const char* tag)
{
    std::string error;
    auto device = openVfioDevice(bdf, error);
    ASSERT_NE(device, nullptr) << error;
    const auto& msix = profile.recipe(IrqIndex::Msix);
    const uint32_t n = msix.maxSubindex;
    ASSERT_GT(n, 0u);
    ASSERT_LE(n, kIgbMaxVectors);
    IrqSetRequest req;
    std::array<Eventfd, kIgbMaxVectors> efds;
    std::array<int32_t, kIgbMaxVectors> fds{};
    for (uint32_t v = 0; v < n; ++v)
        fds[v] = efds[v].fd();
    ASSERT_EQ(device->setIrqs(req.setTriggerEventfds(VFIO_PCI_MSIX_IRQ_INDEX, 0, std::span(fds.data(), n))), 0);
    igbApply(*device, profile.setup, 0);
    for (uint32_t v = 0; v < n; ++v)
        efds[v].wait(0);
    std::array<uint64_t, kIgbMaxVectors> host0{};
    for (uint32_t v = 0; v < n; ++v)
        host0[v] = hostCount(bdf, {IrqIndex::Msix, v});
    std::array<int, kIgbMaxVectors> once{}, more{}, others{};
    int misses = 0;
    for (int round = 0; round < kIgbRounds && misses < kIgbMaxMisses; ++round) {
        for (uint32_t v = 0; v < n; ++v) {
            igbApply(*device, msix.raise, v);
            const uint64_t value = efds[v].wait(kIgbWaitMs);
            once[v] += value == 1;
            more[v] += value > 1;
            misses += value == 0;
            for (uint32_t o = 0; o < n; ++o)
                if (o != v)
                    others[v] += efds[o].wait(0) != 0;
        }
    }
    // Nothing arrives late: no message was postponed or repeated.
    for (uint32_t v = 0; v < n; ++v)
        EXPECT_EQ(efds[v].wait(v == 0 ? kIgbQuietMs : 0), 0u) << tag << " " << bdf << " vector " << v << " late";
    for (uint32_t v = 0; v < n; ++v) {
        const uint64_t delta = hostCount(bdf, {IrqIndex::Msix, v}) - host0[v];
        std::printf("%s %s msix[%u] device-raised=%d more-than-once=%d other-vectors=%d host-irq-delta=%llu\n", tag,
                    bdf.c_str(), v, once[v], more[v], others[v], static_cast<unsigned long long>(delta));
        EXPECT_EQ(once[v], kIgbRounds) << tag << " vector " << v;
        EXPECT_EQ(more[v], 0) << tag << " vector " << v << ": one raise, one message";
        EXPECT_EQ(others[v], 0) << tag << " raising vector " << v << " signalled another vector";
        EXPECT_EQ(delta, static_cast<uint64_t>(kIgbRounds)) << tag << " vector " << v << ": one host IRQ per raise";
    }
    std::array<uint64_t, kIgbMaxVectors> host1{};
    for (uint32_t v = 0; v < n; ++v)
        host1[v] = hostCount(bdf, {IrqIndex::Msix, v});
    for (uint32_t v = 0; v < n; ++v) {
        ASSERT_EQ(device->setIrqs(req.loopback(VFIO_PCI_MSIX_IRQ_INDEX, v)), 0);
        EXPECT_EQ(efds[v].wait(kIgbWaitMs), 1u) << tag << " loopback vector " << v;
        EXPECT_EQ(hostCount(bdf, {IrqIndex::Msix, v}), host1[v]) << tag << " loopback moved the host count";
    }
    igbApply(*device, profile.teardown, 0);
    ASSERT_EQ(device->setIrqs(req.disableIndex(VFIO_PCI_MSIX_IRQ_INDEX)), 0);
}

// `irqscope run ARGS --json` (the CLI the guest carries, or $IRQSCOPE_CLI): its report, after checking the exit
// status and that the books balance (--check-accounting exits 4 otherwise).
nlohmann::json igbRunReport(const std::string& args)
{
    const CliResult r = runCli(args + " --no-live --check-accounting --json /tmp/vmigb.json", "vmigb");
    EXPECT_EQ(r.rc, 0) << args << ": " << r.err;
    try {
        return nlohmann::json::parse(slurpFile("/tmp/vmigb.json"));
    } catch (const std::exception& e) {
        ADD_FAILURE() << args << ": no JSON report: " << e.what();
        return nlohmann::json::object();
    }
}

// Loopback on every MSI-X vector moves no host count; device raises move each by its completions, all exact.
void expectCliRunsBalanced(const std::string& bdf, uint32_t vectors, const char* tag)
{
    for (const char* trigger : {"loopback", "device"}) {
        const std::string args = fmt::format("run -d {} -v msix -t {} -r 200 -D 500ms", bdf, trigger);
        const auto report = igbRunReport(args);
        ASSERT_EQ(report["vectors"].size(), vectors) << args;
        EXPECT_EQ(report["totals"]["balanced"], true) << args;
        const bool device = std::string_view(trigger) == "device";
        for (const auto& v : report["vectors"]) {
            const uint64_t done = v["completed"].get<uint64_t>() + v["coalesced"].get<uint64_t>() +
                                  v["spurious"].get<uint64_t>() + v["device_originated"].get<uint64_t>();
            std::printf("%s-CLI %s %s %s completions=%llu host_count=%s spurious=%s\n", tag, bdf.c_str(), trigger,
                        v["name"].get<std::string>().c_str(), static_cast<unsigned long long>(done),
                        v["host_count"].dump().c_str(), v["spurious"].dump().c_str());
            EXPECT_GT(done, 0u) << args << " " << v["name"];
            EXPECT_EQ(v["missed"], 0) << args << " " << v["name"];
            EXPECT_EQ(v["errors"], 0) << args << " " << v["name"];
            EXPECT_EQ(v["spurious"], 0) << args << " " << v["name"] << ": QEMU's igb does not throttle (EITR 0)";
            EXPECT_EQ(v["host_count"], device ? done : 0u) << args << " " << v["name"];
        }
    }
}

} // namespace

TEST(VmIgb, EachPfVectorRaisedThroughEicsSignalsOnlyItself)
{
    IRQSCOPE_REQUIRE_DEVICE(bdf, DeviceKind::Igb);
    const auto& profile = profileFor(0x8086, 0x10c9);
    ASSERT_EQ(profile.name, "igb");
    expectEachVectorRaisedAlone(bdf, profile, "IGB");
}

TEST(VmIgb, CliRunsOnThePfBalanceAndMoveTheHostCountsByTheRaises)
{
    IRQSCOPE_REQUIRE_DEVICE(bdf, DeviceKind::Igb);
    expectCliRunsBalanced(bdf, 10, "IGB");
}

// The VF's row of the device table (docs/guest-tests.md §6): no INTx and no MSI (a VF has neither), 3 MSI-X
// vectors (NORESIZE on 6.1 only, as for every MSI-X device), ERR and REQ 1 / EVENTFD|NORESIZE.
TEST(VmIgbVf, DeviceTableRow)
{
    if (!sriovPhase())
        GTEST_SKIP() << "no igb VF is bound to vfio-pci here: run tests/vm/run-vm-tests.sh";
    const auto [vendor, device] = pciIds(DeviceKind::IgbVf);
    const bool k612 = guestKernel() == SimKernel::Linux6_12;
    const std::array<std::array<uint32_t, 2>, kNumPciIrqIndexes> row{
        {{0, 0}, {0, 0}, {3, k612 ? 0x1u : 0x9u}, {1, 0x9}, {1, 0x9}}};
    int vfs = 0;
    for (const auto& d : discoverVfioDevices()) {
        if (d.vendor != vendor || d.device != device)
            continue;
        ++vfs;
        EXPECT_EQ(d.problem, "") << d.bdf;
        std::printf("LIST %s %04x:%04x group=%d noiommu=%d", d.bdf.c_str(), d.vendor, d.device, d.iommuGroup,
                    d.noIommu);
        for (uint32_t i = 0; i < kNumPciIrqIndexes; ++i) {
            std::printf(" %u/%#x", d.irqs[i].count, d.irqs[i].flags);
            EXPECT_TRUE(d.irqs[i].known) << d.bdf << " index " << i;
            EXPECT_EQ(d.irqs[i].count, row[i][0]) << d.bdf << " index " << i;
            if (row[i][0]) {
                EXPECT_EQ(d.irqs[i].flags, row[i][1]) << d.bdf << " index " << i;
            }
        }
        std::printf("\n");
    }
    EXPECT_EQ(vfs, 2);
}

TEST(VmIgbVf, EachVfVectorRaisedThroughVteicsSignalsOnlyItself)
{
    if (!sriovPhase())
        GTEST_SKIP() << "no igb VF is bound to vfio-pci outside the SR-IOV phase: run tests/vm/run-vm-tests.sh";
    const auto vfs = igbDevices(DeviceKind::IgbVf);
    ASSERT_FALSE(vfs.empty()) << "the SR-IOV phase bound no igb VF to vfio-pci";
    EXPECT_EQ(vfs.size(), 2u) << "/init creates two VFs";
    const auto& profile = profileFor(0x8086, 0x10ca);
    ASSERT_EQ(profile.name, "igbvf");
    for (const auto& vf : vfs)
        expectEachVectorRaisedAlone(vf, profile, "IGBVF");
}

// One VF is enough for the CLI (both VFs' vectors are raised above); each CLI start costs seconds under TCG.
TEST(VmIgbVf, CliRunsOnAVfBalanceAndMoveTheHostCountsByTheRaises)
{
    if (!sriovPhase())
        GTEST_SKIP() << "no igb VF is bound to vfio-pci outside the SR-IOV phase: run tests/vm/run-vm-tests.sh";
    const auto vfs = igbDevices(DeviceKind::IgbVf);
    ASSERT_FALSE(vfs.empty()) << "the SR-IOV phase bound no igb VF to vfio-pci";
    expectCliRunsBalanced(vfs.back(), 3, "IGBVF");
}

// QEMU evaluates a VF's VTEICS/VTEIMS/VTEIAC against the PF's GPIE (igb_set_vteics -> igb_set_eics): until the PF's
// driver puts it in MSI-X mode, which Linux's igb does only when its interface opens, the VF's raise reaches no
// vector at all, not even another one, and the host counts do not move (docs/profiles.md "igb and igbvf").
TEST(VmIgbVf, NothingIsRaisedWhileThePfIsNotInMsixMode)
{
    if (igbPhase() != "sriov-pf-down")
        GTEST_SKIP() << "runs only while /init holds the PF's interface down (docs/guest-tests.md §10)";
    const auto vfs = igbDevices(DeviceKind::IgbVf);
    ASSERT_FALSE(vfs.empty()) << "the SR-IOV phase bound no igb VF to vfio-pci";
    const auto& profile = profileFor(0x8086, 0x10ca);
    const auto& msix = profile.recipe(IrqIndex::Msix);
    std::string error;
    auto device = openVfioDevice(vfs.front(), error);
    ASSERT_NE(device, nullptr) << error;
    IrqSetRequest req;
    std::array<Eventfd, 3> efds;
    std::array<int32_t, 3> fds{efds[0].fd(), efds[1].fd(), efds[2].fd()};
    ASSERT_EQ(device->setIrqs(req.setTriggerEventfds(VFIO_PCI_MSIX_IRQ_INDEX, 0, fds)), 0);
    igbApply(*device, profile.setup, 0);
    std::array<uint64_t, 3> host0{};
    for (uint32_t v = 0; v < 3; ++v)
        host0[v] = hostCount(vfs.front(), {IrqIndex::Msix, v});
    int signalled = 0;
    for (uint32_t v = 0; v < 3; ++v) {
        igbApply(*device, msix.raise, v);
        for (uint32_t o = 0; o < 3; ++o)
            signalled += efds[o].wait(o == v ? kIgbQuietMs : 0) != 0;
    }
    uint64_t moved = 0;
    for (uint32_t v = 0; v < 3; ++v)
        moved += hostCount(vfs.front(), {IrqIndex::Msix, v}) - host0[v];
    std::printf("IGBVF %s with the PF not in MSI-X mode: signalled=%d host-irq-delta=%llu\n", vfs.front().c_str(),
                signalled, static_cast<unsigned long long>(moved));
    EXPECT_EQ(signalled, 0);
    EXPECT_EQ(moved, 0u);
    // The path itself works: loopback still signals.
    ASSERT_EQ(device->setIrqs(req.loopback(VFIO_PCI_MSIX_IRQ_INDEX, 0)), 0);
    EXPECT_EQ(efds[0].wait(kIgbWaitMs), 1u);
    igbApply(*device, profile.teardown, 0);
    ASSERT_EQ(device->setIrqs(req.disableIndex(VFIO_PCI_MSIX_IRQ_INDEX)), 0);
}

// Phase "sriov-vfio" (docs/guest-tests.md §10): the PF bound to vfio-pci, loaded with enable_sriov=1, its VFs
// created through sriov_numvfs. vfio-pci's bus notifier (vfio_pci_bus_notifier, drivers/vfio/pci/vfio_pci_core.c)
// writes "vfio-pci" into each new VF's driver_override, so the VFs bind to vfio-pci by themselves.
TEST(VmIgbSriovVfio, VfioPciCapturesTheVfsAndTheirOpenNeedsTheToken)
{
    if (igbPhase() != "sriov-vfio")
        GTEST_SKIP() << "runs only while /init has the igb PF on vfio-pci with SR-IOV on (docs/guest-tests.md §10)";
    const auto [vendor, device] = pciIds(DeviceKind::IgbVf);
    int vfs = 0;
    for (const auto& d : discoverVfioDevices()) {
        if (d.vendor != vendor || d.device != device)
            continue;
        ++vfs;
        const std::string override = slurpFile("/sys/bus/pci/devices/" + d.bdf + "/driver_override");
        std::printf("IGBVF %s driver=%s driver_override=%s problem=%s\n", d.bdf.c_str(), d.driver.c_str(),
                    override.substr(0, override.find('\n')).c_str(), d.problem.c_str());
        EXPECT_EQ(d.driver, "vfio-pci") << d.bdf;
        EXPECT_EQ(override, "vfio-pci\n") << d.bdf << ": set by vfio-pci's bus notifier, not by /init";
        // The PF's token is a random UUID until the PF's user sets one (vfio_pci_validate_vf_token): an open
        // without a token is refused, and nothing is armed.
        std::string error;
        EXPECT_EQ(openVfioDevice(d.bdf, error), nullptr) << d.bdf;
        std::printf("IGBVF %s open without a VF token: %s\n", d.bdf.c_str(), error.c_str());
        EXPECT_FALSE(error.empty());
        EXPECT_EQ(error.find('\n'), std::string::npos) << "one line";
    }
    EXPECT_EQ(vfs, 2);
    EXPECT_EQ(slurpFile("/proc/interrupts").find("vfio-"), std::string::npos) << "nothing armed";
}

TEST(VmIgbSriovVfio, PfVectorsStillRaiseAloneWithItsVfsEnabled)
{
    if (igbPhase() != "sriov-vfio")
        GTEST_SKIP() << "runs only while /init has the igb PF on vfio-pci with SR-IOV on (docs/guest-tests.md §10)";
    IRQSCOPE_REQUIRE_DEVICE(bdf, DeviceKind::Igb);
    expectEachVectorRaisedAlone(bdf, profileFor(0x8086, 0x10c9), "IGB-SRIOV");
}

// Why the PF's set-up for its VFs belongs to whoever holds the PF open: vfio-pci resets a device when a user opens it
// and when the last one closes it (vfio_pci_core_enable / vfio_pci_core_disable; QEMU's igb has FLR), and the reset
// clears GPIE, so the VFs' interrupts last only as long as the PF's user (docs/guest-tests.md §10, pitfall 19).
TEST(VmIgbSriovVfio, ClosingThePfResetsItsGpie)
{
    if (igbPhase() != "sriov-vfio")
        GTEST_SKIP() << "runs only while /init has the igb PF on vfio-pci with SR-IOV on (docs/guest-tests.md §10)";
    IRQSCOPE_REQUIRE_DEVICE(bdf, DeviceKind::Igb);
    constexpr uint64_t kGpie = 0x1514;
    const auto& profile = profileFor(0x8086, 0x10c9);
    std::string error;
    uint32_t gpie = 0;
    {
        auto pf = openVfioDevice(bdf, error);
        ASSERT_NE(pf, nullptr) << error;
        igbApply(*pf, profile.setup, 0);
        ASSERT_EQ(pf->regionRead32(0, kGpie, gpie), 0);
        std::printf("IGB-SRIOV %s GPIE while held=%#x\n", bdf.c_str(), gpie);
        EXPECT_EQ(gpie & 0x10u, 0x10u) << "Multiple_MSIX set by the igb profile";
    }
    auto again = openVfioDevice(bdf, error);
    ASSERT_NE(again, nullptr) << error;
    ASSERT_EQ(again->regionRead32(0, kGpie, gpie), 0);
    std::printf("IGB-SRIOV %s GPIE after close and reopen=%#x\n", bdf.c_str(), gpie);
    EXPECT_EQ(gpie, 0u) << "the PF was reset between its users";
}

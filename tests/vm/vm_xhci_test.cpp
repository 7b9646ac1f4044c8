// QEMU's qemu-xhci on vfio-pci (docs/dma-triggers.md §5): in type1 mode a device-raised run on msix:0, each trigger
// a No-Op command whose Command Completion event the controller writes by DMA to interrupter 0's event ring and
// announces on MSI-X vector 0; the books balance, every trigger completes, and the host's count of the vector's
// interrupts equals its completions. Other vectors are refused in one line (command completions go to interrupter
// 0 only). In no-IOMMU mode the run is refused in one line before anything is armed.
#include "vm_cli.h"
#include "vm_delivery.h"
#include "vm_support.h"

#include "base/xhci_spec.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

using namespace irqscope::vmtest;
using nlohmann::json;

namespace {

// qemu-xhci (1b36:000d), not nec-usb-xhci,msix=off, which has the same class and no MSI-X.
std::string findQemuXhci()
{
    for (const auto& d : irqscope::core::discoverVfioDevices())
        if (d.pciClass == irqscope::core::xhci::kPciClass && d.vendor == 0x1b36 && d.device == 0x000d)
            return d.bdf;
    return {};
}

} // namespace

TEST(VmQemuXhci, DeviceRaisedNoOpCompletionsOnVectorZero)
{
    IRQSCOPE_REQUIRE_CLI();
    const std::string xhci = findQemuXhci();
    if (xhci.empty())
        GTEST_SKIP() << "no qemu-xhci is bound to vfio-pci here: run tests/vm/run-vm-tests.sh";
    const std::string args = fmt::format("run -d {} -v msix:0 -t device {} --no-live", xhci, commandTriggerPacing());
    if (guestMode() == "noiommu") {
        const auto r = runCli(args, "vmxhci");
        EXPECT_NE(r.rc, 0) << r.err;
        EXPECT_NE(r.err.find("no-IOMMU mode: device-raised command triggers need"), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_EQ(hostCount(xhci, {irqscope::core::IrqIndex::Msix, 0}), 0u);
        return;
    }
    const auto r =
        runCli(args + " --check-accounting --json /tmp/vmxhci.json --csv /tmp/vmxhci.csv --samples", "vmxhci");
    ASSERT_EQ(r.rc, 0) << r.err;
    const json report = json::parse(slurpFile("/tmp/vmxhci.json"));
    EXPECT_EQ(report["totals"]["balanced"], true);
    ASSERT_EQ(report["vectors"].size(), 1u);
    const auto& v = report["vectors"][0];
    std::printf("QEMU-XHCI %s triggered=%s completed=%s device_originated=%s host_count=%s latency_ns=%s\n",
                v["name"].dump().c_str(), v["triggered"].dump().c_str(), v["completed"].dump().c_str(),
                v["device_originated"].dump().c_str(), v["host_count"].dump().c_str(), v["latency_ns"].dump().c_str());
    EXPECT_GT(v["completed"].get<uint64_t>(), 0u);
    EXPECT_EQ(v["completed"], v["triggered"]);
    EXPECT_EQ(v["missed"], 0);
    EXPECT_EQ(v["spurious"], 0);
    EXPECT_EQ(v["errors"], 0);
    EXPECT_EQ(v["coalesced"], 0);
    EXPECT_EQ(v["host_count"], v["completed"]);
    // Round trip and interrupt delivery per completion (docs/dma-triggers.md §6).
    expectDeliveryBelowRoundTrip(report, slurpFile("/tmp/vmxhci.samples.csv"), "QEMU-XHCI");
}

TEST(VmQemuXhci, VectorsOtherThanZeroAreRefusedInOneLine)
{
    IRQSCOPE_REQUIRE_CLI();
    const std::string xhci = findQemuXhci();
    if (xhci.empty())
        GTEST_SKIP() << "no qemu-xhci is bound to vfio-pci here: run tests/vm/run-vm-tests.sh";
    const auto r = runCli(fmt::format("run -d {} -v msix:1 -t device -D 1s --no-live", xhci), "vmxhci1");
    EXPECT_NE(r.rc, 0) << r.err;
    EXPECT_NE(r.err.find("the xhci trigger cannot raise msix:1"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(hostCount(xhci, {irqscope::core::IrqIndex::Msix, 1}), 0u);
}

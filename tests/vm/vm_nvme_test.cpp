// QEMU's nvme on vfio-pci (docs/dma-triggers.md): in type1 mode a device-raised run on four MSI-X vectors, each
// trigger a Verify command whose completion the controller writes by DMA and announces on the vector; every
// vector's books balance, every trigger completes, and the host's count of the vector's interrupts equals its
// completions. In no-IOMMU mode the run is refused in one line before anything is armed. The namespace's data is
// checked unchanged on the host, against the drive image (run-vm-tests.sh).
#include "vm_cli.h"
#include "vm_delivery.h"
#include "vm_support.h"

#include "base/nvme_spec.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

using namespace irqscope::vmtest;
using nlohmann::json;

namespace {

std::string findNvme()
{
    for (const auto& d : irqscope::core::discoverVfioDevices())
        if (d.pciClass == irqscope::core::nvme::kPciClass)
            return d.bdf;
    return {};
}

} // namespace

TEST(VmNvme, DeviceRaisedCompletionsOnFourVectors)
{
    IRQSCOPE_REQUIRE_CLI();
    const std::string nvme = findNvme();
    if (nvme.empty())
        GTEST_SKIP() << "no NVMe controller is bound to vfio-pci here: run tests/vm/run-vm-tests.sh";
    const std::string args = fmt::format("run -d {} -v msix:0-3 -t device {} --no-live", nvme, commandTriggerPacing());
    if (guestMode() == "noiommu") {
        const auto r = runCli(args, "vmnvme");
        EXPECT_NE(r.rc, 0) << r.err;
        EXPECT_NE(r.err.find("no-IOMMU mode: device-raised command triggers need"), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_EQ(hostCount(nvme, {irqscope::core::IrqIndex::Msix, 0}), 0u);
        return;
    }
    const auto r =
        runCli(args + " --check-accounting --json /tmp/vmnvme.json --csv /tmp/vmnvme.csv --samples", "vmnvme");
    ASSERT_EQ(r.rc, 0) << r.err;
    const json report = json::parse(slurpFile("/tmp/vmnvme.json"));
    EXPECT_EQ(report["totals"]["balanced"], true);
    ASSERT_EQ(report["vectors"].size(), 4u);
    for (const auto& v : report["vectors"]) {
        std::printf("NVME %s triggered=%s completed=%s missed=%s device_originated=%s host_count=%s min=%s p50=%s\n",
                    v["name"].dump().c_str(), v["triggered"].dump().c_str(), v["completed"].dump().c_str(),
                    v["missed"].dump().c_str(), v["device_originated"].dump().c_str(), v["host_count"].dump().c_str(),
                    v["latency_ns"]["min"].dump().c_str(), v["latency_ns"]["p50"].dump().c_str());
        EXPECT_GT(v["completed"].get<uint64_t>(), 0u) << v["name"];
        EXPECT_EQ(v["completed"], v["triggered"]) << v["name"];
        EXPECT_EQ(v["missed"], 0) << v["name"];
        EXPECT_EQ(v["spurious"], 0) << v["name"];
        EXPECT_EQ(v["errors"], 0) << v["name"];
        EXPECT_EQ(v["coalesced"], 0) << v["name"];
        // The host counts from the baseline (after the queues were set up) to the final reading (before they were
        // deleted): the admin queue's messages on vector 0 fall outside it.
        EXPECT_EQ(v["host_count"], v["completed"]) << v["name"];
    }
    // Round trip and interrupt delivery per completion (docs/dma-triggers.md §6).
    expectDeliveryBelowRoundTrip(report, slurpFile("/tmp/vmnvme.samples.csv"), "NVME");
}

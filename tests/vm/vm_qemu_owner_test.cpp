// A real VMM as the owner (docs/guest-tests.md §11): the distribution's QEMU, carried into the guest by
// run-vm-tests.sh, holds edu through `-device vfio-pci,host=BDF` with its vCPU paused (-S). QEMU's vfio-pci arms
// INTx when it realizes a device with an interrupt pin (hw/vfio/pci.c, vfio_intx_enable from the interrupt set-up
// of vfio_realize), so the host has a vfio-intx action for it at once. irqscope must show QEMU as a VM (its -name,
// pid, accelerator and vCPU thread), observe that vector as host-handled (QEMU emulates: nothing can be posted)
// and refuse an active run on the device in one line naming the VM.
#include "vm_cli.h"
#include "vm_support.h"

#include "base/monotonic_clock.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace irqscope::vmtest;
using nlohmann::json;

namespace {

const char* const kQemu = "/bin/qemu-system-x86_64";
const char* const kGuestName = "irqscope-guest";

// QEMU holding `bdf`, paused, with a 16 MiB q35 machine and nothing else (-nodefaults), and a 16 MiB translation
// cache (TCG's default is an eighth of the guest's RAM); output in /tmp/qemu.log.
pid_t startQemu(const std::string& bdf)
{
    const pid_t pid = fork();
    if (pid == 0) {
        const int log = open("/tmp/qemu.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(log, STDOUT_FILENO);
        dup2(log, STDERR_FILENO);
        const std::string name = fmt::format("guest={},debug-threads=on", kGuestName);
        const std::string device = fmt::format("vfio-pci,host={},rombar=0", bdf);
        execl(kQemu, "qemu-system-x86_64", "-accel", "tcg,tb-size=16", "-M", "q35", "-nodefaults", "-no-user-config",
              "-S", "-display", "none", "-monitor", "none", "-serial", "none", "-m", "16", "-name", name.c_str(),
              "-device", device.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    return pid;
}

bool intxArmed(const std::string& bdf)
{
    const auto irqs = readHostIrqs(bdf);
    return findHostIrq(irqs, {IrqIndex::Intx, 0}) != nullptr;
}

} // namespace

TEST(VmQemuOwner, AQemuHoldingTheDeviceIsShownAsAVmAndObserved)
{
    IRQSCOPE_REQUIRE_CLI();
    IRQSCOPE_REQUIRE_DEVICE(bdf, DeviceKind::Edu);
    if (access(kQemu, X_OK) != 0)
        GTEST_SKIP() << kQemu << " is not in this guest: run-vm-tests.sh copies it (docs/guest-tests.md §11)";
    // QEMU's vfio container code offers only the type1 and sPAPR IOMMU models, not vfio's no-IOMMU one
    // (hw/vfio/container.c): in a no-IOMMU guest it cannot take the device.
    if (guestMode() == "noiommu")
        GTEST_SKIP() << "QEMU's vfio-pci does not use no-IOMMU groups";

    const int64_t t0 = monotonicNs();
    const pid_t qemu = startQemu(bdf);
    ASSERT_GT(qemu, 0);
    // Realizing the device arms its INTx; QEMU starts slowly under the guest's own TCG.
    int status = 0;
    bool exited = false;
    for (int i = 0; i < 1200 && !intxArmed(bdf); ++i) {
        if (waitpid(qemu, &status, WNOHANG) == qemu) {
            exited = true;
            break;
        }
        usleep(50'000);
    }
    ASSERT_FALSE(exited) << "QEMU exited: " << slurpFile("/tmp/qemu.log");
    ASSERT_TRUE(intxArmed(bdf)) << "QEMU did not arm INTx: " << slurpFile("/tmp/qemu.log");
    std::printf("QEMU-OWNER pid=%d armed intx after %.1f s\n", qemu, static_cast<double>(monotonicNs() - t0) / 1e9);

    // `list --json` names the owner and its VM.
    bool listed = false;
    for (const auto& d : json::parse(runCli("list --json").out)) {
        if (d["device"] != bdf)
            continue;
        listed = true;
        std::printf("QEMU-OWNER list owner=%s pid=%s vm=%s\n", d["owner"].dump().c_str(), d["owner_pid"].dump().c_str(),
                    d["owner_vm"].dump().c_str());
        EXPECT_EQ(d["owner"], "qemu-system-x86");
        EXPECT_EQ(d["owner_pid"], qemu);
        const auto& vm = d["owner_vm"];
        ASSERT_TRUE(vm.is_object()) << d;
        EXPECT_EQ(vm["vmm"], "qemu");
        EXPECT_EQ(vm["name"], kGuestName);
        EXPECT_EQ(vm["name_source"], "-name");
        EXPECT_EQ(vm["accelerator"], "tcg") << "no /dev/kvm here: QEMU emulates";
        EXPECT_EQ(vm["holds_kvm"], false);
        ASSERT_EQ(vm["vcpus"].size(), 1u) << "one vCPU thread, named CPU 0/TCG by debug-threads=on";
        EXPECT_EQ(vm["vcpus"][0]["vcpu"], 0);
        EXPECT_TRUE(vm["vcpus"][0]["cpu"].is_number());
    }
    EXPECT_TRUE(listed) << bdf << " not in list --json";

    // An active run is refused in one line that names the VM.
    const auto refused = runCli(fmt::format("run -d {} -v intx -D 1s --no-live", bdf));
    EXPECT_EQ(refused.rc, 3);
    EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;
    EXPECT_NE(refused.err.find(fmt::format("owned by VM '{}' (qemu-system-x86, pid {}", kGuestName, qemu)),
              std::string::npos)
        << refused.err;

    // The observer sees the armed INTx as host-handled: a QEMU without KVM reads the eventfd itself.
    const auto observed = runCli(
        fmt::format("run --observe {} --interval 200ms --duration 1s --json /tmp/qemu-observe.json", bdf), "qemuobs");
    ASSERT_EQ(observed.rc, 0) << observed.err;
    const json report = json::parse(slurpFile("/tmp/qemu-observe.json"));
    const auto& owner = report["observer"]["owner"];
    std::printf("QEMU-OWNER observe owner=%s delivery=%s\n", owner.dump().c_str(),
                report["observer"]["delivery"].dump().c_str());
    EXPECT_EQ(owner["pid"], qemu);
    EXPECT_EQ(owner["vm"]["name"], kGuestName);
    EXPECT_EQ(owner["vm"]["vcpus"].size(), 1u);
    bool intx = false;
    for (const auto& v : report["vectors"]) {
        std::printf("QEMU-OWNER vector %s irq=%s present=%s count=%s rate=%s delivery=%s (%s)\n",
                    v["name"].get<std::string>().c_str(), v["host_irq"].dump().c_str(), v["present"].dump().c_str(),
                    v["count"].dump().c_str(), v["rate_hz"].dump().c_str(), v["delivery"].dump().c_str(),
                    v["delivery_reason"].get<std::string>().c_str());
        if (v["index"] != "intx")
            continue;
        intx = true;
        EXPECT_EQ(v["present"], true);
        EXPECT_TRUE(v["host_irq"].is_number());
        EXPECT_EQ(v["delivery"], "host-handled");
        EXPECT_NE(v["delivery_reason"].get<std::string>().find("without KVM (tcg)"), std::string::npos);
        EXPECT_TRUE(v["rate_hz"].is_number()) << "host-handled: the host's count is the interrupt count";
    }
    EXPECT_TRUE(intx) << "QEMU's INTx not observed: " << report["vectors"].dump();

    // QEMU goes, and with it every action it armed (vfio disarms when the device fd closes).
    kill(qemu, SIGTERM);
    ASSERT_EQ(waitpid(qemu, &status, 0), qemu);
    EXPECT_TRUE(readHostIrqs(bdf).empty()) << "left armed after QEMU exited";
    std::printf("QEMU-OWNER done in %.1f s\n", static_cast<double>(monotonicNs() - t0) / 1e9);
}

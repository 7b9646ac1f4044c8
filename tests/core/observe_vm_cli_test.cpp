// `irqscope run --observe` with a VM as the owner, end to end on fake procfs and sysfs trees (--proc-root,
// --sys-root): a QEMU under KVM holding the device's group on an Intel host that posts. The report names the VM,
// its vCPUs and the CPUs they ran on, and the vectors whose host counts stay flat are "likely-posted" with no
// rate, never 0 Hz (docs/observer.md "Delivery").
#include "cli_process.h"
#include "fake_sysfs.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;

using irqscope::test::fakeConfigSpace;
using irqscope::test::FakeSysfs;
using irqscope::test::runCli;

namespace {

class VmOwnerProc
{
public:
    VmOwnerProc()
        : m_root(fs::temp_directory_path() / ("irqscope_observe_vm_proc_" + std::to_string(getpid())))
    {
        fs::remove_all(m_root);
        fs::create_directories(m_root / "irq/24");
        std::ofstream(m_root / "interrupts")
            << "           CPU0       CPU1\n"
               " 24:         10          0   IR-PCI-MSIX-0000:00:02.0 0-edge      vfio-msix[0](0000:00:02.0)\n"
               " 25:          0          5   IR-PCI-MSIX-0000:00:02.0 1-edge      vfio-msix[1](0000:00:02.0)\n"
               "PIN:        100        200   Posted-interrupt notification event\n"
               "PIW:          1          2   Posted-interrupt wakeup event\n";
        std::ofstream(m_root / "irq/24/effective_affinity_list") << "0\n";
        const auto qemu = m_root / "4242";
        fs::create_directories(qemu / "fd");
        fs::create_directories(qemu / "task/4250");
        std::ofstream(qemu / "comm") << "qemu-system-x86\n";
        const std::string argv[] = {"/usr/bin/qemu-system-x86_64", "-name", "guest=web1,debug-threads=on"};
        std::ofstream cmdline(qemu / "cmdline", std::ios::binary);
        for (const auto& a : argv)
            cmdline << a << '\0';
        fs::create_symlink("anon_inode:kvm-vm", qemu / "fd/3");
        fs::create_symlink("/dev/vfio/12", qemu / "fd/4");
        std::ofstream(qemu / "task/4250/comm") << "CPU 0/KVM\n";
        std::string stat = "4250 (CPU 0/KVM) S";
        for (int field = 4; field <= 52; ++field)
            stat += " " + std::to_string(field == 39 ? 1 : 0);
        std::ofstream(qemu / "task/4250/stat") << stat << "\n";
    }
    ~VmOwnerProc() { fs::remove_all(m_root); }
    std::string root() const { return m_root.string(); }

private:
    fs::path m_root;
};

} // namespace

TEST(ObserveVmCli, AKvmGuestIsNamedAndItsFlatVectorsAreLikelyPosted)
{
    VmOwnerProc proc;
    FakeSysfs sys("observe_vm_cli");
    sys.add("0000:00:02.0", "0x8086", "0x10d3", "vfio-pci", 12, false, fakeConfigSpace(1, {{0x11, 4}}));
    const fs::path root = sys.root();
    fs::create_directories(root / "module/kvm");
    fs::create_directories(root / "module/kvm_intel/parameters");
    std::ofstream(root / "module/kvm_intel/parameters/enable_apicv") << "Y\n";
    fs::create_directories(root / "class/iommu/dmar0/intel-iommu");
    std::ofstream(root / "class/iommu/dmar0/intel-iommu/cap") << "19ed008c40780c66\n";

    const std::string json = proc.root() + "/report.json";
    const auto r = runCli("run --observe 00:02.0 --proc-root " + proc.root() + " --sys-root " + sys.root() +
                          " --interval 20ms --duration 400ms --json " + json);
    ASSERT_EQ(r.exitCode, 0) << r.output;
    std::ifstream in(json);
    const auto report = nlohmann::json::parse(in);
    const auto& owner = report["observer"]["owner"];
    EXPECT_EQ(owner["pid"], 4242);
    EXPECT_EQ(owner["vm"]["name"], "web1");
    EXPECT_EQ(owner["vm"]["accelerator"], "kvm");
    ASSERT_EQ(owner["vm"]["vcpus"].size(), 1u);
    EXPECT_EQ(owner["vm"]["vcpus"][0]["cpu"], 1);
    const auto& delivery = report["observer"]["delivery"];
    EXPECT_NE(delivery["posting_facts"].get<std::string>().find("enable_apicv=Y"), std::string::npos) << delivery;
    EXPECT_TRUE(delivery["posted_notification_rows"]["PMN"].is_null());
    EXPECT_EQ(delivery["posted_notification_rows"]["PIN"]["count"], 0) << "the file never changes";
    ASSERT_EQ(report["vectors"].size(), 2u);
    for (const auto& v : report["vectors"]) {
        EXPECT_EQ(v["delivery"], "likely-posted") << v;
        EXPECT_TRUE(v["rate_hz"].is_null()) << v;
        EXPECT_TRUE(v["completion_rate_hz"].is_null()) << v;
    }
}

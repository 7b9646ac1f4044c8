// VM owners (vfio/vm_identity.h): QEMU's -name forms, vCPU thread names, the stat field of the last CPU, and
// describeVmm / findVfioOwner on fake procfs trees: a QEMU under KVM, one under TCG, a libvirt domain named only by
// its pid file, another VMM holding KVM, and a plain process that is no VM.
#include "vfio/device_owner.h"
#include "vfio/vm_identity.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace irqscope::core;
namespace fs = std::filesystem;

namespace {

class VmProcTree
{
public:
    VmProcTree()
        : m_root(fs::temp_directory_path() / ("irqscope_vm_identity_" + std::to_string(getpid())))
    {
        fs::remove_all(m_root);
        fs::create_directories(m_root / "proc");
        fs::create_directories(m_root / "libvirt");
    }
    ~VmProcTree() { fs::remove_all(m_root); }

    std::string proc() const { return (m_root / "proc").string(); }
    std::string libvirt() const { return (m_root / "libvirt").string(); }

    void process(int pid, const std::string& comm, const std::vector<std::string>& argv,
                 std::initializer_list<std::string> fds, const std::string& exe = "")
    {
        const auto dir = m_root / "proc" / std::to_string(pid);
        fs::create_directories(dir / "fd");
        fs::create_directories(dir / "task");
        std::ofstream(dir / "comm") << comm << "\n";
        std::string cmdline;
        for (const auto& a : argv)
            cmdline += a + '\0';
        std::ofstream(dir / "cmdline", std::ios::binary) << cmdline;
        int fd = 3;
        for (const auto& t : fds)
            fs::create_symlink(t, dir / "fd" / std::to_string(fd++));
        if (!exe.empty())
            fs::create_symlink(exe, dir / "exe");
        thread(pid, pid, comm, 0);
    }
    void thread(int pid, int tid, const std::string& comm, int cpu)
    {
        const auto dir = m_root / "proc" / std::to_string(pid) / "task" / std::to_string(tid);
        fs::create_directories(dir);
        std::ofstream(dir / "comm") << comm << "\n";
        std::ofstream(dir / "stat") << statLine(tid, comm, cpu);
    }
    void libvirtPid(const std::string& domain, int pid)
    {
        std::ofstream(m_root / "libvirt" / (domain + ".pid")) << pid;
    }

    // A /proc/PID/task/TID/stat line whose field 39 (processor) is `cpu`.
    static std::string statLine(int tid, const std::string& comm, int cpu)
    {
        std::string line = std::to_string(tid) + " (" + comm + ") S";
        for (int field = 4; field <= 52; ++field)
            line += " " + std::to_string(field == 39 ? cpu : field);
        return line + "\n";
    }

private:
    fs::path m_root;
};

} // namespace

TEST(VmIdentity, QemuNameForms)
{
    EXPECT_EQ(qemuGuestName({"qemu-system-x86_64", "-name", "guest=web1,debug-threads=on", "-m", "1G"}), "web1");
    EXPECT_EQ(qemuGuestName({"qemu-system-x86_64", "-name", "web2"}), "web2");
    EXPECT_EQ(qemuGuestName({"qemu-system-x86_64", "-name", "web3,process=qemu-web3,debug-threads=on"}), "web3");
    EXPECT_EQ(qemuGuestName({"qemu-system-x86_64", "--name", "debug-threads=on,guest=a,,b"}), "a,b");
    EXPECT_EQ(qemuGuestName({"qemu-system-x86_64", "-m", "1G"}), "");
    EXPECT_EQ(qemuGuestName({"qemu-system-x86_64", "-name"}), "") << "a dangling -name names nothing";
}

TEST(VmIdentity, ThreadNamesStatAndFds)
{
    EXPECT_EQ(parseVcpuThreadName("CPU 3/KVM\n"), (std::pair<int, std::string>{3, "KVM"}));
    EXPECT_EQ(parseVcpuThreadName("CPU 0/TCG"), (std::pair<int, std::string>{0, "TCG"}));
    EXPECT_FALSE(parseVcpuThreadName("qemu-system-x86"));
    EXPECT_FALSE(parseVcpuThreadName("CPU x/KVM"));
    EXPECT_FALSE(parseVcpuThreadName("CPU 1/"));
    EXPECT_EQ(lastCpuFromStat(VmProcTree::statLine(77, "CPU 1/KVM", 5)), 5);
    // The command name may hold ") " itself: fields count from the last ')'.
    EXPECT_EQ(lastCpuFromStat(VmProcTree::statLine(77, "odd) (name", 11)), 11);
    EXPECT_EQ(lastCpuFromStat("77 (short) S 1 2 3"), -1);
    EXPECT_EQ(lastCpuFromStat(""), -1);
    EXPECT_TRUE(isKvmFdTarget("/dev/kvm"));
    EXPECT_TRUE(isKvmFdTarget("anon_inode:kvm-vm"));
    EXPECT_FALSE(isKvmFdTarget("anon_inode:kvm-vcpu:0"));
    EXPECT_TRUE(isQemuProgram("/usr/bin/qemu-system-x86_64"));
    EXPECT_TRUE(isQemuProgram("/usr/libexec/qemu-kvm"));
    EXPECT_FALSE(isQemuProgram("/usr/bin/qemu-img"));
    EXPECT_EQ(splitCmdline(std::string("a\0b c\0", 6)), (std::vector<std::string>{"a", "b c"}));
}

TEST(VmIdentity, QemuUnderKvmWithItsVcpus)
{
    VmProcTree t;
    t.process(4242, "qemu-system-x86",
              {"/usr/bin/qemu-system-x86_64", "-name", "guest=web1,debug-threads=on", "-accel", "kvm"},
              {"/dev/kvm", "anon_inode:kvm-vm", "/dev/vfio/12"}, "/usr/bin/qemu-system-x86_64");
    t.thread(4242, 4250, "CPU 1/KVM", 7);
    t.thread(4242, 4249, "CPU 0/KVM", 3);
    t.thread(4242, 4251, "vnc_worker", 0);
    const auto vm = describeVmm(4242, t.proc(), t.libvirt());
    ASSERT_TRUE(vm);
    EXPECT_EQ(vm->vmm, "qemu");
    EXPECT_EQ(vm->name, "web1");
    EXPECT_EQ(vm->nameSource, "-name");
    EXPECT_EQ(vm->accelerator, "kvm");
    EXPECT_TRUE(vm->holdsKvm);
    ASSERT_EQ(vm->vcpus.size(), 2u);
    EXPECT_EQ(vm->vcpus[0].index, 0);
    EXPECT_EQ(vm->vcpus[0].tid, 4249);
    EXPECT_EQ(vm->vcpus[0].lastCpu, 3);
    EXPECT_EQ(vm->vcpus[1].lastCpu, 7);
    EXPECT_EQ(vmSummary(*vm), "VM 'web1' (qemu, kvm), vCPUs 0@cpu3 1@cpu7");
}

TEST(VmIdentity, QemuUnderTcgAskedForKvmIsReportedAsItRuns)
{
    // No KVM fd: whatever its command line asked ("kvm:tcg" falls back), this QEMU emulates.
    VmProcTree t;
    t.process(300, "qemu-system-x86", {"qemu-system-x86_64", "-name", "tiny", "-M", "q35,accel=kvm:tcg"},
              {"/dev/vfio/3"});
    t.thread(300, 301, "CPU 0/TCG", 0);
    auto vm = describeVmm(300, t.proc(), t.libvirt());
    ASSERT_TRUE(vm);
    EXPECT_EQ(vm->accelerator, "tcg");
    EXPECT_FALSE(vm->holdsKvm);
    EXPECT_EQ(vm->name, "tiny");
    // Without debug-threads the vCPU threads are not named: TCG still, from the missing KVM fds.
    t.process(310, "qemu-system-x86", {"qemu-system-x86_64", "-S"}, {"/dev/vfio/3"});
    vm = describeVmm(310, t.proc(), t.libvirt());
    ASSERT_TRUE(vm);
    EXPECT_EQ(vm->accelerator, "tcg");
    EXPECT_TRUE(vm->vcpus.empty());
    EXPECT_EQ(vm->name, "");
    EXPECT_EQ(vmSummary(*vm), "an unnamed VM (qemu, tcg), vCPUs not named by its threads");
}

TEST(VmIdentity, LibvirtPidFileNamesTheDomainOtherVmmsAndPlainProcesses)
{
    VmProcTree t;
    t.process(500, "qemu-system-x86", {"/usr/bin/qemu-system-x86_64", "-S"}, {"anon_inode:kvm-vm"});
    t.libvirtPid("other", 499);
    t.libvirtPid("db7", 500);
    auto vm = describeVmm(500, t.proc(), t.libvirt());
    ASSERT_TRUE(vm);
    EXPECT_EQ(vm->name, "db7");
    EXPECT_EQ(vm->nameSource, "libvirt pid file");
    EXPECT_EQ(describeVmm(500, t.proc(), "")->name, "") << "no libvirt directory: no name";

    t.process(600, "cloud-hypervisor", {"/usr/bin/cloud-hypervisor", "--cpus", "boot=2"}, {"anon_inode:kvm-vm"},
              "/usr/bin/cloud-hypervisor");
    vm = describeVmm(600, t.proc(), t.libvirt());
    ASSERT_TRUE(vm);
    EXPECT_EQ(vm->vmm, "cloud-hypervisor");
    EXPECT_EQ(vm->accelerator, "kvm");

    t.process(700, "dpdk-app", {"/usr/bin/dpdk-app"}, {"/dev/vfio/5"}, "/usr/bin/dpdk-app");
    EXPECT_FALSE(describeVmm(700, t.proc(), t.libvirt()));
    EXPECT_FALSE(describeVmm(999, t.proc(), t.libvirt())) << "gone";
}

TEST(VmIdentity, OwnerScanDescribesTheVmAndTheErrorNamesIt)
{
    VmProcTree t;
    t.process(4242, "qemu-system-x86", {"qemu-system-x86_64", "-name", "guest=web1"},
              {"anon_inode:kvm-vm", "/dev/vfio/12"});
    t.process(77, "bash", {"bash"}, {"/dev/vfio/13"});
    auto owner = findVfioOwner({"/dev/vfio/12"}, t.proc(), 1, t.libvirt());
    ASSERT_TRUE(owner);
    ASSERT_TRUE(owner->vm);
    EXPECT_EQ(owner->vm->name, "web1");
    const std::string error = ownedDeviceError("0000:01:00.0", *owner);
    EXPECT_EQ(error, "0000:01:00.0 is owned by VM 'web1' (qemu-system-x86, pid 4242, which holds /dev/vfio/12 open): "
                     "irqscope cannot arm a device a VM uses; watch it from the host side with `irqscope run "
                     "--observe 0000:01:00.0`");
    owner = findVfioOwner({"/dev/vfio/13"}, t.proc(), 1, t.libvirt());
    ASSERT_TRUE(owner);
    EXPECT_FALSE(owner->vm) << "a shell is no VM";
    EXPECT_NE(ownedDeviceError("0000:01:00.1", *owner).find("owned by bash (pid 77"), std::string::npos);
}

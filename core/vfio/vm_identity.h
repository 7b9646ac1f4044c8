// Whether a device's owner is a virtual machine monitor, and which VM it runs: the guest's name, the accelerator
// and the vCPU threads with the CPU each last ran on, all from /proc/PID (docs/observer.md "VM owners").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace irqscope::core {

struct VcpuThread
{
    int index = -1;   // the vCPU number from the thread's name ("CPU 2/KVM" -> 2)
    int tid = -1;     // its thread id
    int lastCpu = -1; // the host CPU it last ran on (/proc/PID/task/TID/stat field 39), -1 when unknown
};

struct VmIdentity
{
    std::string vmm;               // "qemu", or the executable's name of another VMM that holds KVM
    std::string name;              // the guest's name; "" when none is given
    std::string nameSource;        // where the name came from: "-name", "libvirt pid file", "" when none
    std::string accelerator;       // "kvm", "tcg" (QEMU's emulation), or what QEMU's vCPU thread names say; "unknown"
    bool holdsKvm = false;         // an fd on /dev/kvm or a kvm-vm anon inode
    std::vector<VcpuThread> vcpus; // by vCPU number; empty when the threads carry no vCPU names
};

// /proc/PID/cmdline's NUL-separated arguments.
std::vector<std::string> splitCmdline(std::string_view raw);

// The guest name of a QEMU command line: `-name guest=NAME,...`, `-name NAME` or `-name NAME,debug-threads=on`
// (QEMU's implied first key is guest; ",," is an escaped comma). "" when there is none.
std::string qemuGuestName(const std::vector<std::string>& argv);

// QEMU by its executable or argv[0]: qemu-system-*, qemu-kvm.
bool isQemuProgram(std::string_view path);

// A QEMU vCPU thread's name (with -name debug-threads=on, which libvirt always sets): "CPU 3/KVM" -> {3, "KVM"}.
std::optional<std::pair<int, std::string>> parseVcpuThreadName(std::string_view comm);

// The "processor" field (39) of a /proc/PID/task/TID/stat text; -1 when it is not there. The command name in
// parentheses may hold spaces and parentheses, so fields are counted after the last ')'.
int lastCpuFromStat(std::string_view stat);

// An fd link target that belongs to KVM: /dev/kvm, or the anon inode of a VM ("anon_inode:kvm-vm").
bool isKvmFdTarget(std::string_view target);

// The VM that process `pid` runs, or std::nullopt when it is no VMM (neither QEMU nor a holder of KVM fds).
// `libvirtRunDir` ("" to skip) holds libvirt's NAME.pid files: the domain name when the command line has none.
std::optional<VmIdentity> describeVmm(int pid, const std::string& procRoot = "/proc",
                                      const std::string& libvirtRunDir = "/run/libvirt/qemu");

// "VM 'NAME'" or "an unnamed VM", for one-line messages.
std::string vmLabel(const VmIdentity& vm);

// "VM 'web1' (qemu, kvm), vCPUs 0@cpu2 1@cpu5": the banner's and `list`'s line.
std::string vmSummary(const VmIdentity& vm);

} // namespace irqscope::core

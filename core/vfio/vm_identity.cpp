// VMM recognition from /proc/PID: fds, command line, executable, threads (docs/observer.md "VM owners").
#include "vfio/vm_identity.h"

#include "base/file_text.h"
#include "base/number_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace irqscope::core {

namespace fs = std::filesystem;

namespace {

std::string baseName(std::string_view path)
{
    const auto slash = path.rfind('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// The value of `key` in a QEMU option string ("guest=vm1,debug-threads=on"), with ",," unescaped. A first element
// without '=' is the implied key's value.
std::optional<std::string> qemuOptionValue(std::string_view opts, std::string_view key, std::string_view impliedKey)
{
    std::vector<std::string> parts(1);
    for (std::size_t i = 0; i < opts.size(); ++i) {
        if (opts[i] == ',' && i + 1 < opts.size() && opts[i + 1] == ',') {
            parts.back() += ',';
            ++i;
        } else if (opts[i] == ',') {
            parts.emplace_back();
        } else {
            parts.back() += opts[i];
        }
    }
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto eq = parts[i].find('=');
        if (eq == std::string::npos) {
            if (i == 0 && key == impliedKey)
                return parts[i];
            continue;
        }
        if (std::string_view(parts[i]).substr(0, eq) == key)
            return parts[i].substr(eq + 1);
    }
    return std::nullopt;
}

std::string libvirtDomainOf(int pid, const std::string& dir)
{
    if (dir.empty())
        return {};
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string file = entry.path().filename().string();
        if (!file.ends_with(".pid"))
            continue;
        const auto text = readFirstLine(entry.path().string());
        if (text && parseInteger<int>(*text) == pid)
            return file.substr(0, file.size() - 4);
    }
    return {};
}

std::string acceleratorFromCmdline(const std::vector<std::string>& argv)
{
    for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
        const std::string_view a = argv[i];
        if (a == "-accel" || a == "--accel")
            return qemuOptionValue(argv[i + 1], "accel", "accel").value_or("");
        if (a == "-machine" || a == "--machine" || a == "-M")
            if (auto accel = qemuOptionValue(argv[i + 1], "accel", "type"))
                return *accel;
    }
    return {};
}

} // namespace

std::vector<std::string> splitCmdline(std::string_view raw)
{
    std::vector<std::string> out;
    while (!raw.empty()) {
        const auto nul = raw.find('\0');
        out.emplace_back(raw.substr(0, nul));
        raw.remove_prefix(nul == std::string_view::npos ? raw.size() : nul + 1);
    }
    return out;
}

std::string qemuGuestName(const std::vector<std::string>& argv)
{
    for (std::size_t i = 1; i + 1 < argv.size(); ++i)
        if (argv[i] == "-name" || argv[i] == "--name")
            return qemuOptionValue(argv[i + 1], "guest", "guest").value_or("");
    return {};
}

bool isQemuProgram(std::string_view path)
{
    const std::string name = baseName(path);
    return name.starts_with("qemu-system-") || name == "qemu-kvm";
}

std::optional<std::pair<int, std::string>> parseVcpuThreadName(std::string_view comm)
{
    while (!comm.empty() && (comm.back() == '\n' || comm.back() == ' '))
        comm.remove_suffix(1);
    if (!comm.starts_with("CPU "))
        return std::nullopt;
    comm.remove_prefix(4);
    const auto slash = comm.find('/');
    if (slash == std::string_view::npos || slash + 1 == comm.size())
        return std::nullopt;
    const auto index = parseInteger<int>(comm.substr(0, slash));
    if (!index)
        return std::nullopt;
    return std::pair<int, std::string>{*index, std::string(comm.substr(slash + 1))};
}

int lastCpuFromStat(std::string_view stat)
{
    const auto close = stat.rfind(')');
    if (close == std::string_view::npos)
        return -1;
    std::string_view rest = stat.substr(close + 1);
    // Fields 1 and 2 are the pid and "(comm)"; rest starts with field 3.
    for (int field = 3;; ++field) {
        const auto start = rest.find_first_not_of(" \n");
        if (start == std::string_view::npos)
            return -1;
        rest.remove_prefix(start);
        const auto end = rest.find_first_of(" \n");
        const auto token = rest.substr(0, end);
        if (field == 39)
            return parseInteger<int>(token).value_or(-1);
        if (end == std::string_view::npos)
            return -1;
        rest.remove_prefix(end);
    }
}

bool isKvmFdTarget(std::string_view target)
{
    return target == "/dev/kvm" || target == "anon_inode:kvm-vm";
}

std::optional<VmIdentity> describeVmm(int pid, const std::string& procRoot, const std::string& libvirtRunDir)
{
    const fs::path dir = fs::path(procRoot) / std::to_string(pid);
    VmIdentity vm;
    std::error_code ec;
    for (const auto& fd : fs::directory_iterator(dir / "fd", ec)) {
        std::error_code linkEc;
        if (isKvmFdTarget(fs::read_symlink(fd.path(), linkEc).string()) && !linkEc) {
            vm.holdsKvm = true;
            break;
        }
    }
    const auto argv = splitCmdline(readWholeFile((dir / "cmdline").string()).value_or(""));
    std::error_code exeEc;
    const std::string exe = fs::read_symlink(dir / "exe", exeEc).string();
    const bool qemu = (!exeEc && isQemuProgram(exe)) || (!argv.empty() && isQemuProgram(argv[0]));
    if (!qemu && !vm.holdsKvm)
        return std::nullopt;
    vm.vmm = qemu ? "qemu" : baseName(!exeEc ? exe : !argv.empty() ? argv[0] : std::string("unknown"));
    if (qemu)
        vm.name = qemuGuestName(argv);
    if (!vm.name.empty())
        vm.nameSource = "-name";
    else if (vm.name = libvirtDomainOf(pid, libvirtRunDir); !vm.name.empty())
        vm.nameSource = "libvirt pid file";

    std::string threadAccel;
    for (const auto& task : fs::directory_iterator(dir / "task", ec)) {
        const auto parsed = parseVcpuThreadName(readFirstLine((task.path() / "comm").string()).value_or(""));
        const auto tid = parseInteger<int>(task.path().filename().string());
        if (!parsed || !tid)
            continue;
        threadAccel = parsed->second;
        vm.vcpus.push_back(
            {parsed->first, *tid, lastCpuFromStat(readWholeFile((task.path() / "stat").string()).value_or(""))});
    }
    std::sort(vm.vcpus.begin(), vm.vcpus.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
    std::transform(threadAccel.begin(), threadAccel.end(), threadAccel.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // What the process really uses: KVM's fds decide; then QEMU's own thread names; a QEMU without KVM emulates
    // (TCG) unless its command line names another accelerator it could run without KVM's fds.
    const std::string asked = acceleratorFromCmdline(argv);
    if (vm.holdsKvm)
        vm.accelerator = "kvm";
    else if (!threadAccel.empty())
        vm.accelerator = threadAccel;
    else if (qemu)
        vm.accelerator = asked.empty() || asked.find("kvm") != std::string::npos ? "tcg" : asked;
    else
        vm.accelerator = "unknown";
    return vm;
}

std::string vmLabel(const VmIdentity& vm)
{
    return vm.name.empty() ? std::string("an unnamed VM") : fmt::format("VM '{}'", vm.name);
}

std::string vmSummary(const VmIdentity& vm)
{
    std::string vcpus;
    for (const auto& t : vm.vcpus)
        vcpus += fmt::format(" {}@{}", t.index, t.lastCpu >= 0 ? fmt::format("cpu{}", t.lastCpu) : std::string("?"));
    return fmt::format("{} ({}, {}), vCPUs{}", vmLabel(vm), vm.vmm, vm.accelerator,
                       vcpus.empty() ? std::string(" not named by its threads") : vcpus);
}

} // namespace irqscope::core

// Device ownership through /proc/<pid>/fd: one pass over the processes, matching any of a device's VFIO nodes.
#include "vfio/device_owner.h"

#include "base/file_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <unistd.h>

namespace irqscope::core {

namespace fs = std::filesystem;

std::vector<std::string> vfioNodesOf(const DiscoveredDevice& device, const std::string& sysfsRoot)
{
    std::vector<std::string> nodes;
    if (!device.groupPath.empty())
        nodes.push_back(device.groupPath);
    std::error_code ec;
    const fs::path cdevDir = fs::path(sysfsRoot) / "bus/pci/devices" / device.bdf / "vfio-dev";
    for (const auto& entry : fs::directory_iterator(cdevDir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with("vfio"))
            nodes.push_back("/dev/vfio/devices/" + name);
    }
    std::sort(nodes.begin() + (device.groupPath.empty() ? 0 : 1), nodes.end());
    return nodes;
}

std::optional<DeviceOwner> findVfioOwner(const std::vector<std::string>& nodes, const std::string& procRoot,
                                         int selfPid, const std::string& libvirtRunDir)
{
    if (nodes.empty())
        return std::nullopt;
    if (selfPid < 0)
        selfPid = static_cast<int>(getpid());
    std::optional<DeviceOwner> best;
    std::error_code ec;
    for (const auto& proc : fs::directory_iterator(procRoot, ec)) {
        const std::string pidText = proc.path().filename().string();
        if (pidText.empty() || pidText.size() > 9 || !std::all_of(pidText.begin(), pidText.end(), [](char c) {
                return std::isdigit(static_cast<unsigned char>(c));
            }))
            continue;
        const int pid = std::stoi(pidText);
        if (pid == selfPid || (best && best->pid < pid))
            continue;
        std::error_code fdEc;
        for (const auto& fd : fs::directory_iterator(proc.path() / "fd", fdEc)) {
            std::error_code linkEc;
            const std::string target = fs::read_symlink(fd.path(), linkEc).string();
            if (linkEc || std::find(nodes.begin(), nodes.end(), target) == nodes.end())
                continue;
            DeviceOwner owner{readFirstLine(proc.path() / "comm").value_or(""), pid, target, std::nullopt};
            if (owner.name.empty())
                owner.name = "pid " + pidText;
            best = std::move(owner);
            break;
        }
    }
    if (best)
        best->vm = describeVmm(best->pid, procRoot, libvirtRunDir);
    return best;
}

std::string ownedDeviceError(const std::string& bdf, const DeviceOwner& owner)
{
    if (owner.vm)
        return fmt::format("{} is owned by {} ({}, pid {}, which holds {} open): irqscope cannot arm a device a VM "
                           "uses; watch it from the host side with `irqscope run --observe {}`",
                           bdf, vmLabel(*owner.vm), owner.name, owner.pid, owner.node, bdf);
    return fmt::format("{} is owned by {} (pid {}, which holds {} open): irqscope cannot arm a device another "
                       "process uses; watch it from the host side with `irqscope run --observe {}`",
                       bdf, owner.name, owner.pid, owner.node, bdf);
}

} // namespace irqscope::core

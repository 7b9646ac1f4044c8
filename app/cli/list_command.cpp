#include "list_command.h"

#include "device/trigger_modes.h"
#include "exit_codes.h"
#include "observe/observe_report.h"
#include "sim/sim_config.h"
#include "sim/sim_device.h"
#include "vfio/discovery.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>

namespace irqscope::cli {

using namespace irqscope::core;

namespace {

DiscoveredDevice describeSim()
{
    SimDevice sim{SimConfig{}};
    DiscoveredDevice d;
    d.bdf = "sim";
    d.name = sim.info().description;
    d.driver = "irqscope";
    for (uint32_t i = 0; i < kNumPciIrqIndexes; ++i) {
        IrqInfo info;
        if (sim.irqInfo(i, info) == 0) {
            d.irqs[i].known = true;
            d.irqs[i].count = info.count;
            d.irqs[i].flags = info.flags;
        }
    }
    return d;
}

std::string flagsText(uint32_t flags)
{
    std::string out;
    const std::pair<uint32_t, const char*> names[] = {{VFIO_IRQ_INFO_EVENTFD, "eventfd"},
                                                      {VFIO_IRQ_INFO_MASKABLE, "maskable"},
                                                      {VFIO_IRQ_INFO_AUTOMASKED, "automasked"},
                                                      {VFIO_IRQ_INFO_NORESIZE, "noresize"}};
    for (const auto& [bit, name] : names) {
        if (flags & bit)
            out += (out.empty() ? "" : "|") + std::string(name);
    }
    return out;
}

std::string sriovLine(const DiscoveredDevice& d)
{
    if (!d.physicalFunction.empty())
        return fmt::format("VF of {} (PF driver: {})", d.physicalFunction,
                           d.physicalFunctionDriver.empty() ? "none" : d.physicalFunctionDriver);
    if (d.sriov)
        return fmt::format("SR-IOV PF: {} of {} VFs enabled", d.sriov->numVfs, d.sriov->totalVfs);
    return {};
}

nlohmann::json deviceJson(const DiscoveredDevice& d)
{
    nlohmann::json irqs = nlohmann::json::object();
    for (uint32_t i = 0; i < kNumPciIrqIndexes; ++i) {
        irqs[std::string(irqIndexName(static_cast<IrqIndex>(i)))] = {{"count", d.irqs[i].count},
                                                                     {"flags", d.irqs[i].flags},
                                                                     {"flags_text", flagsText(d.irqs[i].flags)},
                                                                     {"known", d.irqs[i].known}};
    }
    const OfferedTriggers triggers = offeredTriggers(d);
    nlohmann::json out = {{"device", d.bdf},
                          {"vendor", d.vendor ? fmt::format("{:04x}", d.vendor) : ""},
                          {"device_id", d.device ? fmt::format("{:04x}", d.device) : ""},
                          {"name", d.name},
                          {"driver", d.driver},
                          {"iommu_group", d.iommuGroup},
                          {"noiommu", d.noIommu},
                          {"group_path", d.groupPath},
                          {"owner", d.owner},
                          {"owner_pid", d.ownerPid},
                          {"owner_vm", vmJson(d.ownerVm)},
                          {"problem", d.problem},
                          {"physical_function", d.physicalFunction},
                          {"physical_function_driver", d.physicalFunctionDriver},
                          {"trigger_modes", triggers.modes},
                          {"device_profile", triggers.deviceProfile},
                          {"irqs", irqs}};
    if (d.sriov)
        out["sriov"] = {{"numvfs", d.sriov->numVfs}, {"totalvfs", d.sriov->totalVfs}};
    return out;
}

} // namespace

int listDevices(bool json, const std::string& sysfsRoot)
{
    std::vector<DiscoveredDevice> devices{describeSim()};
    for (auto& d : discoverVfioDevices(sysfsRoot))
        devices.push_back(std::move(d));

    if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& d : devices)
            out.push_back(deviceJson(d));
        std::puts(out.dump(2).c_str());
        return kExitOk;
    }
    std::printf("%-14s %-10s %-6s %-35s %-24s %s\n", "DEVICE", "ID", "GROUP", "INTERRUPTS", "TRIGGERS", "NAME");
    for (const auto& d : devices) {
        std::string irqs;
        for (uint32_t i = 0; i < kNumPciIrqIndexes; ++i) {
            if (d.irqs[i].count)
                irqs += fmt::format("{}{}:{}", irqs.empty() ? "" : " ", irqIndexName(static_cast<IrqIndex>(i)),
                                    d.irqs[i].count);
        }
        const std::string group =
            d.iommuGroup >= 0 ? fmt::format("{}{}", d.noIommu ? "noiommu-" : "", d.iommuGroup) : std::string("-");
        const std::string id = d.vendor ? fmt::format("{:04x}:{:04x}", d.vendor, d.device) : std::string("-");
        const std::string triggers = offeredTriggersText(offeredTriggers(d));
        std::printf("%-14s %-10s %-6s %-35s %-24s %s\n", d.bdf.c_str(), id.c_str(), group.c_str(), irqs.c_str(),
                    triggers.c_str(), d.name.c_str());
        if (const auto sriov = sriovLine(d); !sriov.empty())
            std::printf("%14s %s\n", "", sriov.c_str());
        if (!d.owner.empty())
            std::printf("%14s owned by %s (pid %d): use `irqscope run --observe %s`\n", "", d.owner.c_str(), d.ownerPid,
                        d.bdf.c_str());
        if (d.ownerVm)
            std::printf("%14s guest: %s\n", "", vmSummary(*d.ownerVm).c_str());
        if (!d.problem.empty())
            std::printf("%14s %s\n", "", d.problem.c_str());
    }
    if (devices.size() == 1)
        std::printf("\nNo PCI device is bound to vfio-pci; `sim` is irqscope's built-in simulated device.\n");
    return kExitOk;
}

} // namespace irqscope::cli

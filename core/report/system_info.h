// SystemInfo: what a report records about the machine a measurement ran on.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace irqscope::core {

struct SystemInfo
{
    std::string hostname;
    std::string kernel;   // uname -r
    std::string machine;  // uname -m
    std::string cmdline;  // /proc/cmdline
    std::string cpuModel; // /proc/cpuinfo "model name"
    int cpus = 0;         // online CPUs
    std::string clocksource;
};

SystemInfo collectSystemInfo();

// The "system" object of the JSON report and of a recording's META (one shape, so a replay reports what ran).
nlohmann::json systemInfoJson(const SystemInfo& system);
SystemInfo systemInfoFromJson(const nlohmann::json& json); // throws nlohmann::json::exception on a wrong shape

} // namespace irqscope::core

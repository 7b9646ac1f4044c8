// SystemInfo: what a report records about the machine a measurement ran on.
#pragma once

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

} // namespace irqscope::core

#include "report/system_info.h"

#include <fstream>
#include <sys/utsname.h>
#include <unistd.h>

namespace irqscope::core {

namespace {

std::string firstLine(const char* path)
{
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

} // namespace

SystemInfo collectSystemInfo()
{
    SystemInfo info;
    utsname u{};
    if (uname(&u) == 0) {
        info.hostname = u.nodename;
        info.kernel = u.release;
        info.machine = u.machine;
    }
    info.cmdline = firstLine("/proc/cmdline");
    info.clocksource = firstLine("/sys/devices/system/clocksource/clocksource0/current_clocksource");
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            if (colon != std::string::npos)
                info.cpuModel = line.substr(line.find_first_not_of(' ', colon + 1));
            break;
        }
    }
    info.cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
    return info;
}

} // namespace irqscope::core

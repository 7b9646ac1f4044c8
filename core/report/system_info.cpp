#include "report/system_info.h"

#include "base/file_text.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sys/utsname.h>
#include <unistd.h>

namespace irqscope::core {

SystemInfo collectSystemInfo()
{
    SystemInfo info;
    utsname u{};
    if (uname(&u) == 0) {
        info.hostname = u.nodename;
        info.kernel = u.release;
        info.machine = u.machine;
    }
    info.cmdline = readFirstLine("/proc/cmdline").value_or("");
    info.clocksource = readFirstLine("/sys/devices/system/clocksource/clocksource0/current_clocksource").value_or("");
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

nlohmann::json systemInfoJson(const SystemInfo& system)
{
    return {{"hostname", system.hostname},      {"kernel", system.kernel},      {"machine", system.machine},
            {"cmdline", system.cmdline},        {"cpu_model", system.cpuModel}, {"cpus", system.cpus},
            {"clocksource", system.clocksource}};
}

SystemInfo systemInfoFromJson(const nlohmann::json& json)
{
    SystemInfo s;
    s.hostname = json.at("hostname").get<std::string>();
    s.kernel = json.at("kernel").get<std::string>();
    s.machine = json.at("machine").get<std::string>();
    s.cmdline = json.at("cmdline").get<std::string>();
    s.cpuModel = json.at("cpu_model").get<std::string>();
    s.cpus = json.at("cpus").get<int>();
    s.clocksource = json.at("clocksource").get<std::string>();
    return s;
}

} // namespace irqscope::core

// /proc and sysfs readers behind the bench's CPU-time, RSS and machine descriptions.
#include "common/system_probe.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <pthread.h>
#include <sched.h>
#include <sstream>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <thread>
#include <unistd.h>

namespace irqscope::bench {

namespace {

std::string firstLine(const std::string& path)
{
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

std::string cpuModel()
{
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            return colon == std::string::npos ? line : line.substr(colon + 2);
        }
    }
    return "unknown CPU";
}

} // namespace

int64_t threadCpuNs(pid_t tid)
{
    std::ifstream in(fmt::format("/proc/self/task/{}/schedstat", tid));
    int64_t ns = 0;
    in >> ns;
    return ns;
}

pid_t currentTid()
{
    return gettid();
}

std::set<pid_t> threadIds()
{
    std::set<pid_t> ids;
    if (DIR* dir = opendir("/proc/self/task")) {
        while (dirent* e = readdir(dir)) {
            if (e->d_name[0] != '.')
                ids.insert(static_cast<pid_t>(std::atoi(e->d_name)));
        }
        closedir(dir);
    }
    return ids;
}

int64_t rssKiB()
{
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            std::istringstream fields(line.substr(6));
            int64_t kib = 0;
            fields >> kib;
            return kib;
        }
    }
    return 0;
}

std::string machineLine()
{
    utsname u{};
    uname(&u);
    const std::string governor = firstLine("/sys/devices/system/cpu/cpuidle/current_governor_ro").empty()
                                     ? firstLine("/sys/devices/system/cpu/cpuidle/current_governor")
                                     : firstLine("/sys/devices/system/cpu/cpuidle/current_governor_ro");
    return fmt::format("{} x{} | kernel {} | idle governor {} | sched_rt_runtime_us {} | load {}", cpuModel(),
                       std::thread::hardware_concurrency(), u.release, governor.empty() ? "?" : governor,
                       firstLine("/proc/sys/kernel/sched_rt_runtime_us"), firstLine("/proc/loadavg"));
}

std::optional<std::string> tryLockMemory()
{
    if (mlockall(MCL_CURRENT | MCL_FUTURE) == 0)
        return std::nullopt;
    return fmt::format("mlockall refused ({}): memory stays pageable", std::strerror(errno));
}

std::optional<std::string> fifoRefusal(int priority)
{
    std::optional<std::string> refusal;
    std::thread probe([&] {
        sched_param p{};
        p.sched_priority = priority;
        if (const int rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &p); rc != 0)
            refusal = fmt::format("SCHED_FIFO {} refused ({}): waiters run SCHED_OTHER", priority, std::strerror(rc));
    });
    probe.join();
    return refusal;
}

} // namespace irqscope::bench

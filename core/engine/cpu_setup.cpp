#include "engine/cpu_setup.h"

#include "base/file_text.h"
#include "base/sched_policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

namespace irqscope::core {

std::vector<int> allowedCpus()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> cpus;
    // The main thread's mask (pid = tgid), not the calling thread's: a pinned thread may still pin others.
    if (sched_getaffinity(getpid(), sizeof set, &set) != 0)
        return cpus;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &set))
            cpus.push_back(cpu);
    }
    return cpus;
}

std::optional<std::string> pinCurrentThread(int cpu)
{
    const auto allowed = allowedCpus();
    if (cpu < 0 || std::find(allowed.begin(), allowed.end(), cpu) == allowed.end()) {
        std::string list;
        for (int c : allowed)
            list += (list.empty() ? "" : ",") + std::to_string(c);
        return fmt::format("CPU {} is not in this process's allowed CPUs ({}): pick one of them", cpu, list);
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (const int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set); rc != 0)
        return fmt::format("cannot pin to CPU {}: {}", cpu, std::strerror(rc));
    return std::nullopt;
}

std::optional<std::string> setFifo(int priority)
{
    if (priority < 1 || priority > 99)
        return fmt::format("SCHED_FIFO priority {} is out of range: use 1..99", priority);
    sched_param param{};
    param.sched_priority = priority;
    if (const int rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param); rc != 0) {
        if (rc == EPERM)
            return fmt::format("SCHED_FIFO {} needs CAP_SYS_NICE or an RLIMIT_RTPRIO of at least {}: run as root or "
                               "drop --fifo",
                               priority, priority);
        return fmt::format("cannot set SCHED_FIFO {}: {}", priority, std::strerror(rc));
    }
    return std::nullopt;
}

std::string currentPolicy()
{
    int policy = 0;
    sched_param param{};
    if (pthread_getschedparam(pthread_self(), &policy, &param) != 0)
        return "unknown";
    if (policy == SCHED_FIFO || policy == SCHED_RR)
        return fmt::format("{} {}", schedPolicyName(policy), param.sched_priority);
    return schedPolicyName(policy);
}

std::optional<std::string> lockAllMemory()
{
    if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
        const int err = errno;
        if (err == EPERM || err == ENOMEM)
            return fmt::format("mlockall failed ({}): needs CAP_IPC_LOCK or a larger `ulimit -l`; run as root or "
                               "drop --mlock",
                               std::strerror(err));
        return fmt::format("mlockall failed: {}", std::strerror(err));
    }
    return std::nullopt;
}

PmQosGuard::~PmQosGuard()
{
    restore();
}

std::optional<std::string> PmQosGuard::apply(int cpu, const std::string& sysfsRoot)
{
    restore();
    const auto path = fmt::format("{}/devices/system/cpu/cpu{}/power/pm_qos_resume_latency_us", sysfsRoot, cpu);
    const auto previous = readFirstLine(path);
    if (!previous)
        return fmt::format("per-CPU PM QoS is not available for CPU {} ({} missing): drop --pm-qos", cpu, path);
    std::ofstream out(path);
    out << "n/a\n";
    out.flush();
    if (!out)
        return fmt::format("cannot write {}: --pm-qos needs root", path);
    m_path = path;
    m_previous = previous->empty() ? "0" : *previous;
    return std::nullopt;
}

void PmQosGuard::restore()
{
    if (m_path.empty())
        return;
    std::ofstream out(m_path);
    out << m_previous << '\n';
    m_path.clear();
}

} // namespace irqscope::core

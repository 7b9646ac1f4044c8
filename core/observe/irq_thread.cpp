#include "observe/irq_thread.h"

#include "base/file_text.h"
#include "base/number_text.h"

#include <fmt/format.h>

#include <filesystem>
#include <sched.h>

namespace irqscope::core {

std::optional<ProcStat> parseProcStat(std::string_view text)
{
    const auto open = text.find('(');
    const auto close = text.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open)
        return std::nullopt;
    ProcStat out;
    out.comm = std::string(text.substr(open + 1, close - open - 1));
    std::string_view rest = text.substr(close + 1);
    // rest starts at field 3 (state); fields 39, 40 and 41 are its 37th, 38th and 39th.
    std::vector<std::string_view> fields;
    while (!rest.empty() && fields.size() < 39) {
        const auto start = rest.find_first_not_of(" \n");
        if (start == std::string_view::npos)
            break;
        rest.remove_prefix(start);
        const auto end = rest.find_first_of(" \n");
        fields.push_back(rest.substr(0, end));
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
    if (fields.size() < 39)
        return std::nullopt;
    const auto cpu = parseInteger<int>(fields[36]);
    const auto prio = parseInteger<int>(fields[37]);
    const auto policy = parseInteger<int>(fields[38]);
    if (!cpu || !prio || !policy)
        return std::nullopt;
    out.state = fields[0].empty() ? '?' : fields[0].front();
    out.lastCpu = *cpu;
    out.rtPriority = *prio;
    out.policy = *policy;
    return out;
}

std::string cpusAllowedList(std::string_view statusText)
{
    constexpr std::string_view kKey = "Cpus_allowed_list:";
    for (auto pos = statusText.find(kKey); pos != std::string_view::npos; pos = statusText.find(kKey, pos + 1)) {
        if (pos != 0 && statusText[pos - 1] != '\n')
            continue;
        auto value = statusText.substr(pos + kKey.size());
        value = value.substr(0, value.find('\n'));
        const auto start = value.find_first_not_of(" \t");
        return start == std::string_view::npos ? std::string() : std::string(value.substr(start));
    }
    return {};
}

bool isIrqThreadComm(std::string_view comm, int irq)
{
    const std::string prefix = fmt::format("irq/{}-", irq);
    return comm.starts_with(prefix) && comm.size() > prefix.size();
}

std::optional<IrqThreadInfo> irqThreadFromTexts(int pid, std::string_view stat, std::string_view status,
                                                std::string_view irqAffinity)
{
    const auto parsed = parseProcStat(stat);
    if (!parsed)
        return std::nullopt;
    // Every task's status has Cpus_allowed_list; none means the read came after the thread exited (free_irq at
    // disarm ends it between our stat and status reads): no facts about a thread that is gone.
    if (cpusAllowedList(status).empty())
        return std::nullopt;
    IrqThreadInfo t;
    t.pid = pid;
    t.comm = parsed->comm;
    t.policy = schedPolicyName(parsed->policy);
    t.priority = parsed->rtPriority;
    t.state = parsed->state;
    t.affinity = cpusAllowedList(status);
    t.lastCpu = parsed->lastCpu;
    while (!irqAffinity.empty() && (irqAffinity.back() == '\n' || irqAffinity.back() == ' '))
        irqAffinity.remove_suffix(1);
    t.irqAffinity = std::string(irqAffinity);
    return t;
}

IrqThreadFinder::IrqThreadFinder(std::string procRoot)
    : m_procRoot(std::move(procRoot))
{}

std::optional<IrqThreadInfo> IrqThreadFinder::readPid(int pid, int irq) const
{
    const std::string dir = fmt::format("{}/{}", m_procRoot, pid);
    const auto stat = readWholeFile(dir + "/stat");
    if (!stat)
        return std::nullopt;
    auto info =
        irqThreadFromTexts(pid, *stat, readWholeFile(dir + "/status").value_or(""),
                           readWholeFile(fmt::format("{}/irq/{}/smp_affinity_list", m_procRoot, irq)).value_or(""));
    if (!info || !isIrqThreadComm(info->comm, irq))
        return std::nullopt; // gone, or the pid now belongs to something else
    return info;
}

void IrqThreadFinder::scan(const std::set<int>& irqs)
{
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(m_procRoot, ec)) {
        const auto pid = parseInteger<int>(entry.path().filename().string());
        if (!pid)
            continue;
        auto comm = readFirstLine(entry.path().string() + "/comm");
        if (!comm || !comm->starts_with("irq/"))
            continue;
        const auto irq = parseInteger<int>(std::string_view(*comm).substr(4, comm->find('-') - 4));
        if (!irq || !irqs.contains(*irq) || !isIrqThreadComm(*comm, *irq))
            continue;
        // A split handler has a secondary thread "irq/N-s-ACTION" beside the primary: keep the primary.
        const bool secondary = comm->starts_with(fmt::format("irq/{}-s-", *irq));
        const auto known = m_pids.find(*irq);
        if (known == m_pids.end() || !secondary)
            m_pids[*irq] = *pid;
    }
    m_lookedFor.insert(irqs.begin(), irqs.end());
}

std::map<int, IrqThreadInfo> IrqThreadFinder::read(const std::vector<int>& irqs)
{
    std::map<int, IrqThreadInfo> out;
    std::set<int> missing;
    for (const int irq : irqs) {
        if (const auto it = m_pids.find(irq); it != m_pids.end()) {
            if (auto info = readPid(it->second, irq)) {
                out.emplace(irq, std::move(*info));
                continue;
            }
            m_pids.erase(it); // the thread went away (the IRQ was freed, and maybe allocated again)
            m_lookedFor.erase(irq);
        }
        if (!m_lookedFor.contains(irq))
            missing.insert(irq);
    }
    if (missing.empty())
        return out;
    scan(missing);
    for (const int irq : missing) {
        if (const auto it = m_pids.find(irq); it != m_pids.end())
            if (auto info = readPid(it->second, irq))
                out.emplace(irq, std::move(*info));
    }
    return out;
}

} // namespace irqscope::core

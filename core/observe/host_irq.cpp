// Parsing /proc/interrupts and /proc/irq/N/effective_affinity_list for the vfio vectors of a device.
#include "observe/host_irq.h"

#include "base/file_text.h"
#include "base/monotonic_clock.h"
#include "base/number_text.h"

#include <fmt/format.h>

#include <set>

namespace irqscope::core {

namespace {

std::string_view nextToken(std::string_view& rest)
{
    const auto start = rest.find_first_not_of(" \t");
    if (start == std::string_view::npos) {
        rest = {};
        return {};
    }
    rest.remove_prefix(start);
    const auto end = rest.find_first_of(" \t");
    const auto token = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    return token;
}

} // namespace

std::string vfioActionName(VectorId vector, std::string_view bdf)
{
    switch (vector.index) {
    case IrqIndex::Intx:
        return fmt::format("vfio-intx({})", bdf);
    case IrqIndex::Msi:
        return fmt::format("vfio-msi[{}]({})", vector.sub, bdf);
    case IrqIndex::Msix:
        return fmt::format("vfio-msix[{}]({})", vector.sub, bdf);
    case IrqIndex::Err:
    case IrqIndex::Req:
        break;
    }
    return {};
}

std::optional<VfioActionName> parseVfioActionName(std::string_view action)
{
    constexpr std::string_view kPrefix = "vfio-";
    if (!action.starts_with(kPrefix))
        return std::nullopt;
    action.remove_prefix(kPrefix.size());
    VfioActionName out;
    if (action.starts_with("intx(")) {
        out.vector = {IrqIndex::Intx, 0};
        action.remove_prefix(4);
    } else {
        if (action.starts_with("msix[")) {
            out.vector.index = IrqIndex::Msix;
            action.remove_prefix(5);
        } else if (action.starts_with("msi[")) {
            out.vector.index = IrqIndex::Msi;
            action.remove_prefix(4);
        } else {
            return std::nullopt;
        }
        const auto close = action.find(']');
        const auto sub =
            close == std::string_view::npos ? std::nullopt : parseInteger<uint32_t>(action.substr(0, close));
        if (!sub)
            return std::nullopt;
        out.vector.sub = *sub;
        action.remove_prefix(close + 1);
    }
    if (action.size() < 3 || action.front() != '(' || action.back() != ')')
        return std::nullopt;
    out.bdf = std::string(action.substr(1, action.size() - 2));
    return out;
}

uint64_t HostIrq::total() const
{
    uint64_t sum = 0;
    for (const auto c : perCpu)
        sum += c;
    return sum;
}

std::vector<HostIrq> parseProcInterrupts(std::string_view text, std::string_view bdf)
{
    std::vector<HostIrq> out;
    std::size_t cpus = 0;
    bool header = true;
    while (!text.empty()) {
        const auto eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (header) {
            // "           CPU0       CPU1": one column per online CPU.
            std::string_view rest = line;
            for (auto t = nextToken(rest); !t.empty(); t = nextToken(rest))
                cpus += t.starts_with("CPU");
            header = false;
            continue;
        }
        std::string_view rest = line;
        const auto first = nextToken(rest);
        const auto irq =
            first.size() < 2 || first.back() != ':' ? std::nullopt : parseUnsigned(first.substr(0, first.size() - 1));
        if (!irq)
            continue; // NMI:, LOC:, ERR: and the like
        HostIrq entry;
        entry.irq = static_cast<int>(*irq);
        for (std::size_t c = 0; c < cpus; ++c) {
            const auto count = parseUnsigned(nextToken(rest));
            if (!count)
                break;
            entry.perCpu.push_back(*count);
        }
        // The chip and hwirq columns differ between kernels (§2.7); the actions end the line, ", "-separated.
        for (auto pos = rest.find("vfio-"); pos != std::string_view::npos; pos = rest.find("vfio-", pos + 1)) {
            auto candidate = rest.substr(pos);
            const auto end = candidate.find(')');
            if (end == std::string_view::npos)
                break;
            auto name = parseVfioActionName(candidate.substr(0, end + 1));
            if (!name || (!bdf.empty() && name->bdf != bdf))
                continue;
            HostIrq copy = entry;
            copy.action = std::move(*name);
            out.push_back(std::move(copy));
        }
    }
    return out;
}

int firstCpuOfList(std::string_view list)
{
    while (!list.empty() && (list.back() == '\n' || list.back() == ' '))
        list.remove_suffix(1);
    const auto end = list.find_first_of(",-");
    const auto cpu = parseUnsigned(list.substr(0, end));
    if (!cpu || *cpu > INT32_MAX)
        return -1;
    return static_cast<int>(*cpu);
}

std::vector<HostIrq> readHostIrqs(std::string_view bdf, const std::string& procRoot)
{
    auto irqs = parseProcInterrupts(readWholeFile(procRoot + "/interrupts").value_or(""), bdf);
    for (auto& irq : irqs)
        irq.effectiveCpu = firstCpuOfList(
            readWholeFile(fmt::format("{}/irq/{}/effective_affinity_list", procRoot, irq.irq)).value_or(""));
    return irqs;
}

const HostIrq* findHostIrq(const std::vector<HostIrq>& irqs, VectorId vector)
{
    for (const auto& irq : irqs)
        if (irq.action.vector == vector)
            return &irq;
    return nullptr;
}

HostIrqTracker::HostIrqTracker(std::string bdf, std::string procRoot)
    : m_bdf(std::move(bdf))
    , m_procRoot(std::move(procRoot))
    , m_threads(m_procRoot)
{}

void HostIrqTracker::sample()
{
    auto irqs = readHostIrqs(m_bdf, m_procRoot);
    {
        std::vector<int> numbers;
        for (const auto& irq : irqs)
            numbers.push_back(irq.irq);
        std::lock_guard lock(m_finderMutex);
        auto threads = m_threads.read(numbers);
        for (auto& irq : irqs)
            if (const auto it = threads.find(irq.irq); it != threads.end())
                irq.thread = it->second;
    }
    std::lock_guard lock(m_mutex);
    m_lastSampleNs = monotonicNs();
    updateLocked(irqs);
}

void HostIrqTracker::refresh(int64_t nowNs, int64_t maxAgeNs)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_baselineTaken && nowNs - m_lastSampleNs < maxAgeNs)
            return;
    }
    sample();
}

void HostIrqTracker::update(const std::vector<HostIrq>& irqs)
{
    std::lock_guard lock(m_mutex);
    updateLocked(irqs);
}

void HostIrqTracker::updateLocked(const std::vector<HostIrq>& irqs)
{
    for (const auto& irq : irqs) {
        if (irq.action.bdf != m_bdf)
            continue;
        const uint64_t count = irq.total();
        const bool intx = irq.action.vector.index == IrqIndex::Intx;
        auto [it, fresh] = m_tracks.try_emplace(irq.action.vector);
        Track& t = it->second;
        const bool sameIrq = !fresh && irq.irq == t.irq;
        if (fresh) {
            t.irq = irq.irq;
            t.baseline = !m_baselineTaken || intx ? count : 0;
        } else if (irq.irq != t.irq || count < t.last) {
            t.previous = t.count();
            t.irq = irq.irq;
            t.baseline = intx && count >= t.last ? count : 0;
        }
        t.last = count;
        // /proc/interrupts and the per-IRQ files are separate reads: a disarm between them (a sample on the
        // aggregator's thread while the core thread disarms) finds the action still listed but its effective
        // affinity already cleared and its thread gone. The same IRQ keeps what was known of it then.
        if (irq.effectiveCpu >= 0 || !sameIrq)
            t.cpu = irq.effectiveCpu;
        if (!m_threadsHeld && (irq.thread || !sameIrq))
            t.thread = irq.thread;
    }
    m_baselineTaken = true;
}

void HostIrqTracker::apply(Snapshot& snapshot) const
{
    std::lock_guard lock(m_mutex);
    for (auto& v : snapshot.vectors) {
        const auto it = m_tracks.find(v.id);
        if (it == m_tracks.end())
            continue;
        v.hostIrq = it->second.irq;
        v.hostCpu = it->second.cpu;
        v.hostCount = it->second.count();
        v.irqThread = it->second.thread;
    }
}

std::vector<HostIrqTracker::ThreadedVector> HostIrqTracker::threads() const
{
    std::lock_guard lock(m_mutex);
    std::vector<ThreadedVector> out;
    for (const auto& [id, track] : m_tracks)
        if (track.thread)
            out.push_back({id, track.irq, track.cpu, *track.thread});
    return out;
}

void HostIrqTracker::holdThreads()
{
    std::lock_guard lock(m_mutex);
    m_threadsHeld = true;
}

std::vector<int> HostIrqTracker::irqCpus() const
{
    std::lock_guard lock(m_mutex);
    std::set<int> cpus;
    for (const auto& [id, track] : m_tracks)
        if (track.cpu >= 0)
            cpus.insert(track.cpu);
    return {cpus.begin(), cpus.end()};
}

} // namespace irqscope::core

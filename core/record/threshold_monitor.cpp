// ThresholdMonitor: rule matching with hold-off, snapshot recordings, and posix_spawn of exec actions.
#include "record/threshold_monitor.h"

#include "record/recording_writer.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace irqscope::core {

ThresholdMonitor::ThresholdMonitor(std::vector<ThresholdRule> rules, ThresholdContext context)
    : m_rules(std::move(rules))
    , m_context(std::move(context))
    , m_ring(std::max<std::size_t>(m_context.snapshotSamples, 1))
{
    const auto& slots = m_context.slots;
    for (const auto& rule : m_rules) {
        std::vector<bool> match(slots.size(), rule.vectors.empty());
        for (const auto& r : rule.vectors) {
            const uint32_t available = slots.count(r.index);
            const uint32_t start = r.all() ? 0 : r.start;
            const uint32_t count = r.all() ? available : r.count;
            for (uint32_t sub = start; sub < start + count && sub < available; ++sub)
                match[slots.slot({r.index, sub})] = true;
        }
        m_matches.push_back(std::move(match));
        m_lastFired.emplace_back(slots.size(), INT64_MIN);
    }
}

ThresholdMonitor::~ThresholdMonitor()
{
    finish();
}

std::string ThresholdMonitor::stopReason() const
{
    std::lock_guard lock(m_mutex);
    return m_stopReason;
}

std::vector<std::string> ThresholdMonitor::takeMessages()
{
    std::lock_guard lock(m_mutex);
    return std::exchange(m_messages, {});
}

void ThresholdMonitor::message(std::string line)
{
    std::lock_guard lock(m_mutex);
    m_messages.push_back(std::move(line));
}

void ThresholdMonitor::add(const Sample* samples, std::size_t count)
{
    for (std::size_t i = 0; i < count; ++i) {
        const Sample& s = samples[i];
        m_ring[m_ringNext] = s;
        m_ringNext = (m_ringNext + 1) % m_ring.size();
        m_ringSize = std::min(m_ringSize + 1, m_ring.size());
        if (s.kind != SampleKind::Completion || s.slot >= m_context.slots.size())
            continue;
        const int64_t latency = s.latencyNs();
        for (std::size_t r = 0; r < m_rules.size(); ++r) {
            const auto& rule = m_rules[r];
            if (latency <= rule.thresholdNs || !m_matches[r][s.slot])
                continue;
            int64_t& last = m_lastFired[r][s.slot];
            if (rule.action == ThresholdAction::Stop && m_stop.load(std::memory_order_relaxed))
                continue;
            if (last != INT64_MIN && s.completionNs - last < m_context.holdoffNs)
                continue;
            last = s.completionNs;
            fire(r, rule, s);
        }
    }
    if (!m_children.empty())
        reap(false);
}

void ThresholdMonitor::fire(std::size_t, const ThresholdRule& rule, const Sample& s)
{
    m_fired.fetch_add(1, std::memory_order_relaxed);
    switch (rule.action) {
    case ThresholdAction::Stop: {
        std::lock_guard lock(m_mutex);
        m_stopReason = fmt::format("threshold: {} latency {:.1f} µs above {:.1f} µs",
                                   vectorName(m_context.slots.id(s.slot)), s.latencyNs() / 1e3, rule.thresholdNs / 1e3);
        m_stop.store(true, std::memory_order_release);
        break;
    }
    case ThresholdAction::Snapshot:
        writeSnapshot(rule, s);
        break;
    case ThresholdAction::Exec:
        spawn(rule, s);
        break;
    }
}

void ThresholdMonitor::writeSnapshot(const ThresholdRule& rule, const Sample& s)
{
    std::string name = vectorName(m_context.slots.id(s.slot));
    for (char& c : name)
        c = c == ':' ? '-' : c;
    const std::string path =
        fmt::format("{}/irqscope-threshold-{}-{}.irqrec", m_context.snapshotDir, ++m_snapshots, name);
    RecordingWriter writer;
    std::string err = writer.open(path);
    if (err.empty()) {
        std::vector<Sample> ordered;
        ordered.reserve(m_ringSize);
        const std::size_t first = (m_ringNext + m_ring.size() - m_ringSize) % m_ring.size();
        for (std::size_t i = 0; i < m_ringSize; ++i)
            ordered.push_back(m_ring[(first + i) % m_ring.size()]);
        writer.writeSamples(ordered.data(), ordered.size());
        RecordingMeta meta = m_context.meta;
        meta.run.stopReason = fmt::format("threshold snapshot ({}): {} latency {:.1f} µs, seq {}", rule.text,
                                          vectorName(m_context.slots.id(s.slot)), s.latencyNs() / 1e3, s.seq);
        writer.writeText(SectionType::Meta, metaJson(meta).dump());
        Snapshot state = m_context.state ? m_context.state() : Snapshot{};
        writer.writeText(SectionType::Final, snapshotJson(state).dump());
        err = writer.finish();
    }
    message(err.empty() ? fmt::format("threshold {}: snapshot of {} samples written to {}", rule.text, m_ringSize, path)
                        : fmt::format("threshold {}: {}", rule.text, err));
}

void ThresholdMonitor::spawn(const ThresholdRule& rule, const Sample& s)
{
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
        if (std::strncmp(*e, "IRQSCOPE_", 9) != 0)
            env.emplace_back(*e);
    }
    env.push_back("IRQSCOPE_VECTOR=" + vectorName(m_context.slots.id(s.slot)));
    env.push_back(fmt::format("IRQSCOPE_LATENCY_NS={}", s.latencyNs()));
    env.push_back(fmt::format("IRQSCOPE_THRESHOLD_NS={}", rule.thresholdNs));
    env.push_back(fmt::format("IRQSCOPE_SEQ={}", s.seq));
    env.push_back(fmt::format("IRQSCOPE_TIME_NS={}", s.completionNs));
    env.push_back("IRQSCOPE_DEVICE=" + m_context.meta.deviceId);
    env.push_back("IRQSCOPE_RULE=" + rule.text);
    std::vector<char*> envp, argv;
    for (auto& e : env)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = rule.argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), envp.data());
    if (rc != 0) {
        message(fmt::format("threshold {}: cannot run {}: {}", rule.text, rule.argv[0], std::strerror(rc)));
        return;
    }
    m_children.push_back(pid);
    message(fmt::format("threshold {}: ran {} (pid {}) for {}", rule.text, rule.argv[0], pid,
                        vectorName(m_context.slots.id(s.slot))));
}

void ThresholdMonitor::reap(bool wait)
{
    std::erase_if(m_children, [wait](pid_t pid) {
        int status = 0;
        const pid_t r = waitpid(pid, &status, wait ? 0 : WNOHANG);
        return r == pid || (r < 0 && errno == ECHILD);
    });
}

void ThresholdMonitor::finish(int timeoutMs)
{
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (!m_children.empty() && std::chrono::steady_clock::now() < until) {
        reap(false);
        if (!m_children.empty())
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!m_children.empty())
        message(fmt::format("{} threshold command(s) still running at exit, left running", m_children.size()));
    m_children.clear();
}

} // namespace irqscope::core

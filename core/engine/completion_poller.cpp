#include "engine/completion_poller.h"

#include "base/monotonic_clock.h"
#include "device/command_trigger.h"
#include "engine/cpu_setup.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <pthread.h>
#include <sched.h>

namespace irqscope::core {

namespace {

// Between two scans: tells the CPU this is a spin-wait (x86 PAUSE, Arm YIELD), which saves power and keeps the
// sibling hyperthread fast, without giving up the CPU.
inline void spinPause()
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#else
    std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
}

bool contains(const std::vector<int>& cpus, int cpu)
{
    return std::find(cpus.begin(), cpus.end(), cpu) != cpus.end();
}

} // namespace

std::optional<int> choosePollerCpu(int requested, int coreCpu, int triggerCpu, const std::vector<int>& allowed,
                                   std::string& why)
{
    if (requested >= 0) {
        if (!contains(allowed, requested)) {
            why = fmt::format("--poller-cpu {} is not in this process's allowed CPUs", requested);
            return std::nullopt;
        }
        if (requested == coreCpu) {
            why = fmt::format("--poller-cpu {} is the core thread's CPU: the poller needs a CPU of its own", requested);
            return std::nullopt;
        }
        return requested;
    }
    for (int cpu : allowed)
        if (cpu != coreCpu && cpu != triggerCpu)
            return cpu;
    for (int cpu : allowed)
        if (cpu != coreCpu)
            return cpu;
    why = fmt::format("delivery latency needs a second CPU for its poller: only CPU {} is allowed (taskset / --cpu)",
                      coreCpu);
    return std::nullopt;
}

CompletionPoller::CompletionPoller(const CommandTrigger& trigger, DeliveryStamps& stamps, std::vector<Watched> watched)
    : m_trigger(trigger)
    , m_stamps(stamps)
    , m_watched(std::move(watched))
    , m_lastToken(m_watched.size(), 0)
{}

CompletionPoller::~CompletionPoller()
{
    stop();
}

std::optional<std::string> CompletionPoller::start(int cpu)
{
    if (m_thread.joinable())
        return std::nullopt;
    m_stop.store(false, std::memory_order_relaxed);
    std::promise<std::optional<std::string>> pinned;
    auto result = pinned.get_future();
    m_thread = std::thread([this, cpu, &pinned] {
        auto error = pinCurrentThread(cpu);
        if (!error) {
            // A thread inherits its creator's policy; a spinning SCHED_FIFO thread would be throttled and starve
            // its CPU's kernel work (docs/wakeup-floor.md §1), so the poller always runs SCHED_OTHER.
            sched_param param{};
            (void)pthread_setschedparam(pthread_self(), SCHED_OTHER, &param);
        }
        const bool ok = !error;
        pinned.set_value(std::move(error));
        if (ok)
            run(cpu);
    });
    auto error = result.get();
    if (error) {
        m_thread.join();
        return "delivery poller: " + *error;
    }
    return std::nullopt;
}

void CompletionPoller::stop()
{
    m_stop.store(true, std::memory_order_relaxed);
    if (m_thread.joinable())
        m_thread.join();
}

uint32_t CompletionPoller::scanOnce()
{
    uint32_t published = 0;
    for (std::size_t i = 0; i < m_watched.size(); ++i) {
        const Watched& w = m_watched[i];
        const uint64_t token = m_trigger.nextCompletion(w.sub);
        if (token == 0 || token == m_lastToken[i] || !m_trigger.completionVisible(w.sub, token))
            continue;
        // Stamped after the load that saw it: never before the device wrote it.
        m_stamps.publish(w.slot, token, monotonicNs());
        m_lastToken[i] = token;
        ++published;
    }
    if (published)
        m_published.fetch_add(published, std::memory_order_relaxed);
    return published;
}

void CompletionPoller::run(int)
{
    while (!m_stop.load(std::memory_order_relaxed)) {
        scanOnce();
        spinPause();
    }
}

} // namespace irqscope::core

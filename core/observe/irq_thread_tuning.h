// --irq-thread-prio and --irq-thread-cpu: the measured vectors' IRQ threads at another priority or on another CPU
// for the run, and back as they were afterwards (docs/rt-hosts.md §3).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace irqscope::core {

// The scheduler calls the guard makes, so a test can stand in for the kernel. Each returns 0 or an errno.
class ThreadScheduler
{
public:
    virtual ~ThreadScheduler() = default;
    virtual int getScheduler(int pid, int& policy, int& priority) = 0;
    virtual int setScheduler(int pid, int policy, int priority) = 0;
    virtual int getAffinity(int pid, std::vector<int>& cpus) = 0;
    virtual int setAffinity(int pid, const std::vector<int>& cpus) = 0;
};

// sched_getscheduler/sched_getparam, sched_setscheduler, sched_getaffinity, sched_setaffinity.
ThreadScheduler& systemScheduler();

struct IrqThreadTarget
{
    int pid = -1;
    std::string name; // "msix:0 (irq/35-vfio-msi)" for messages
};

// Holds what it changed and restores it when destroyed (or by restore()). A thread gets SCHED_FIFO `priority`
// when it is SCHED_OTHER, and keeps SCHED_FIFO or SCHED_RR with the new priority when it has one.
class IrqThreadGuard
{
public:
    explicit IrqThreadGuard(ThreadScheduler& scheduler = systemScheduler());
    ~IrqThreadGuard();
    IrqThreadGuard(const IrqThreadGuard&) = delete;
    IrqThreadGuard& operator=(const IrqThreadGuard&) = delete;

    // Sets each thread's priority and/or CPU. Returns the one-line refusal of the first call the kernel refuses
    // (what was changed before it stays recorded, to be restored).
    std::optional<std::string> apply(const std::vector<IrqThreadTarget>& threads, std::optional<int> priority,
                                     std::optional<int> cpu);
    // Puts every changed thread back, latest change first; one line per thing that could not be put back (a
    // thread that is gone has nothing to restore and is skipped).
    std::vector<std::string> restore();
    bool active() const { return !m_saved.empty(); }

private:
    struct Saved
    {
        IrqThreadTarget target;
        bool scheduling = false;
        int policy = 0;
        int priority = 0;
        std::vector<int> affinity; // empty: not changed
    };
    ThreadScheduler& m_scheduler;
    std::vector<Saved> m_saved;
};

} // namespace irqscope::core

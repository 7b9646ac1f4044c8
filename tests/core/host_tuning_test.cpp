// --irq-thread-prio, --irq-thread-cpu and --deepest-idle-state (docs/rt-hosts.md §3): the guards against a stand-in
// scheduler and a fake sysfs tree, and the CLI putting the idle states back after a normal end, SIGINT, SIGTERM and
// a refusal.
#include "cli_process.h"
#include "engine/cpu_setup.h"
#include "engine/idle_states.h"
#include "observe/irq_thread_tuning.h"
#include "run/host_tuning.h"
#include "wait_until.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace irqscope::core;
using namespace irqscope::test;
namespace fs = std::filesystem;

namespace {

// The kernel's side of the scheduler calls, per pid; `refuse` makes a call fail with an errno.
class TuningFakeScheduler final : public ThreadScheduler
{
public:
    struct Task
    {
        int policy = SCHED_FIFO;
        int priority = 50;
        std::vector<int> cpus{0, 1};
    };
    std::map<int, Task> tasks;
    int refuseSetScheduler = 0;
    int refuseSetAffinity = 0;

    int getScheduler(int pid, int& policy, int& priority) override
    {
        if (!tasks.contains(pid))
            return ESRCH;
        policy = tasks[pid].policy;
        priority = tasks[pid].priority;
        return 0;
    }
    int setScheduler(int pid, int policy, int priority) override
    {
        if (!tasks.contains(pid))
            return ESRCH;
        if (refuseSetScheduler)
            return refuseSetScheduler;
        tasks[pid].policy = policy;
        tasks[pid].priority = priority;
        return 0;
    }
    int getAffinity(int pid, std::vector<int>& cpus) override
    {
        if (!tasks.contains(pid))
            return ESRCH;
        cpus = tasks[pid].cpus;
        return 0;
    }
    int setAffinity(int pid, const std::vector<int>& cpus) override
    {
        if (!tasks.contains(pid))
            return ESRCH;
        if (refuseSetAffinity)
            return refuseSetAffinity;
        tasks[pid].cpus = cpus;
        return 0;
    }
};

// /sys/devices/system/cpu/cpuN/cpuidle/stateK/{name,disable} for the CPUs and state names given.
class TuningFakeIdleSysfs
{
public:
    explicit TuningFakeIdleSysfs(const std::string& tag)
        : m_root(fs::temp_directory_path() / fmt::format("irqscope_idle_{}_{}", tag, getpid()))
    {
        fs::remove_all(m_root);
    }
    ~TuningFakeIdleSysfs() { fs::remove_all(m_root); }
    const fs::path& root() const { return m_root; }
    void cpu(int cpu, const std::vector<std::string>& states, const std::string& disabled = "") const
    {
        for (std::size_t k = 0; k < states.size(); ++k) {
            const fs::path dir = stateDir(cpu, static_cast<int>(k));
            fs::create_directories(dir);
            std::ofstream(dir / "name") << states[k] << '\n';
            std::ofstream(dir / "disable") << (disabled.size() > k && disabled[k] == '1' ? "1" : "0") << '\n';
        }
        fs::create_directories(m_root / "devices/system/cpu");
        std::ofstream(m_root / "devices/system/cpu/online") << "0-1\n";
    }
    fs::path stateDir(int cpu, int k) const
    {
        return m_root / fmt::format("devices/system/cpu/cpu{}/cpuidle/state{}", cpu, k);
    }
    // "0110": each state's disable file, in order.
    std::string disabled(int cpu, int states) const
    {
        std::string out;
        for (int k = 0; k < states; ++k) {
            std::ifstream in(stateDir(cpu, k) / "disable");
            std::string v;
            in >> v;
            out += v.empty() ? "?" : v;
        }
        return out;
    }

private:
    fs::path m_root;
};

} // namespace

TEST(IrqThreadGuard, SetsPriorityAndCpuAndPutsThemBack)
{
    TuningFakeScheduler s;
    s.tasks[87] = {SCHED_FIFO, 50, {0, 1}};
    s.tasks[88] = {SCHED_OTHER, 0, {1}};
    {
        IrqThreadGuard guard(s);
        EXPECT_FALSE(guard.apply({{87, "msix:0"}, {88, "msix:1"}}, 70, 1));
        EXPECT_EQ(s.tasks[87].policy, SCHED_FIFO);
        EXPECT_EQ(s.tasks[87].priority, 70);
        EXPECT_EQ(s.tasks[87].cpus, std::vector<int>{1});
        EXPECT_EQ(s.tasks[88].policy, SCHED_FIFO) << "a SCHED_OTHER thread becomes SCHED_FIFO";
        EXPECT_EQ(s.tasks[88].priority, 70);
        EXPECT_TRUE(guard.active());
    } // the destructor restores
    EXPECT_EQ(s.tasks[87].priority, 50);
    EXPECT_EQ(s.tasks[87].cpus, (std::vector<int>{0, 1}));
    EXPECT_EQ(s.tasks[88].policy, SCHED_OTHER);
    EXPECT_EQ(s.tasks[88].priority, 0);
    EXPECT_EQ(s.tasks[88].cpus, std::vector<int>{1});
}

TEST(IrqThreadGuard, ARefusalIsOneLineAndWhatWasDoneIsUndone)
{
    TuningFakeScheduler s;
    s.tasks[87] = {SCHED_FIFO, 50, {0, 1}};
    IrqThreadGuard guard(s);
    s.refuseSetAffinity = EINVAL;
    const auto err = guard.apply({{87, "msix:0 (irq/24-vfio-msix)"}}, 60, 7);
    ASSERT_TRUE(err);
    EXPECT_EQ(*err, "--irq-thread-cpu 7: the kernel refused it for msix:0 (irq/24-vfio-msix) (pid 87): no such online "
                    "CPU in its allowed set");
    EXPECT_EQ(s.tasks[87].priority, 60) << "the priority went through before the refusal";
    EXPECT_TRUE(guard.restore().empty());
    EXPECT_EQ(s.tasks[87].priority, 50);
    s.refuseSetScheduler = EPERM;
    const auto perm = guard.apply({{87, "msix:0"}}, 60, std::nullopt);
    ASSERT_TRUE(perm);
    EXPECT_NE(perm->find("not permitted (needs CAP_SYS_NICE"), std::string::npos) << *perm;
    EXPECT_FALSE(guard.active());
}

TEST(IrqThreadGuard, AThreadGoneBeforeTheRestoreIsSkipped)
{
    TuningFakeScheduler s;
    s.tasks[87] = {SCHED_FIFO, 50, {0, 1}};
    IrqThreadGuard guard(s);
    ASSERT_FALSE(guard.apply({{87, "msix:0"}}, 60, std::nullopt));
    s.tasks.erase(87);
    EXPECT_TRUE(guard.restore().empty());
}

TEST(IdleStateGuard, DisablesTheDeeperStatesAndRestoresThePreviousValues)
{
    TuningFakeIdleSysfs sys("guard");
    sys.cpu(0, {"POLL", "C1", "C1E", "C6"}, "0001"); // C6 was disabled before: it stays so
    sys.cpu(1, {"POLL", "C1", "C1E", "C6"});
    {
        IdleStateGuard guard(sys.root().string());
        EXPECT_FALSE(guard.apply({0, 1}, 1));
        EXPECT_EQ(sys.disabled(0, 4), "0011");
        EXPECT_EQ(sys.disabled(1, 4), "0011");
        EXPECT_EQ(guard.disabledStates(),
                  (std::vector<std::string>{"cpu0: C1E (state2-2)", "cpu1: C1E C6 (state2-3)"}));
    }
    EXPECT_EQ(sys.disabled(0, 4), "0001");
    EXPECT_EQ(sys.disabled(1, 4), "0000");
}

TEST(IdleStateGuard, NoCpuidleIsOneLine)
{
    TuningFakeIdleSysfs sys("none");
    sys.cpu(0, {"POLL", "C1"});
    IdleStateGuard guard(sys.root().string());
    const auto err = guard.apply({0, 1}, 0);
    ASSERT_TRUE(err);
    EXPECT_NE(err->find("--deepest-idle-state: CPU 1 has no cpuidle states"), std::string::npos) << *err;
    EXPECT_EQ(err->find('\n'), std::string::npos);
    EXPECT_EQ(sys.disabled(0, 2), "01") << "CPU 0 went through before CPU 1 was refused";
    EXPECT_TRUE(guard.restore().empty());
    EXPECT_EQ(sys.disabled(0, 2), "00");
}

TEST(IdleStateGuard, AWriteRefusedIsOneLine)
{
    TuningFakeIdleSysfs sys("refused");
    sys.cpu(0, {"POLL", "C1", "C6"});
    // A directory where the attribute should be: the write fails as a refused one does.
    fs::remove(sys.stateDir(0, 2) / "disable");
    fs::create_directories(sys.stateDir(0, 2) / "disable");
    IdleStateGuard guard(sys.root().string());
    const auto err = guard.apply({0}, 0);
    ASSERT_TRUE(err);
    EXPECT_NE(err->find("--deepest-idle-state: cannot"), std::string::npos) << *err;
    EXPECT_EQ(err->find('\n'), std::string::npos);
    EXPECT_TRUE(guard.restore().empty());
    EXPECT_EQ(sys.disabled(0, 2), "00");
}

TEST(HostTuningRun, WithoutIrqThreadsTheThreadOptionsSayWhyAndChangeNothing)
{
    TuningFakeScheduler s;
    HostTuningConfig config;
    config.irqThreadPriority = 60;
    HostTuning tuning(config, s);
    EXPECT_FALSE(tuning.apply(nullptr, 0, -1));
    ASSERT_EQ(tuning.notes().size(), 1u);
    EXPECT_NE(tuning.notes()[0].find("--irq-thread-prio: no IRQ thread serves the measured vectors"),
              std::string::npos);
}

namespace {

// `irqscope run` on the simulated device with --deepest-idle-state 0 against the fake tree; `signal` 0 lets
// --duration end it. Returns the exit code; `during` is the disable files seen while it ran.
// The core CPU of the CLI runs: the first this process may use (a CI container may not have CPU 0).
int tuningCpu()
{
    return allowedCpus().front();
}

int runWithIdleLimit(const TuningFakeIdleSysfs& sys, int signal, std::string& during)
{
    const std::string cpu = std::to_string(tuningCpu());
    const std::vector<std::string> args = {"run",
                                           "--device",
                                           "sim",
                                           "--vectors",
                                           "msix:0",
                                           "--cpu",
                                           cpu,
                                           "--no-live",
                                           "--duration",
                                           signal ? "0" : "2s",
                                           "--deepest-idle-state",
                                           "0",
                                           "--sysfs-root",
                                           sys.root().string()};
    const pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout))
            _exit(126);
        std::vector<char*> argv{const_cast<char*>(IRQSCOPE_CLI_PATH)};
        for (const auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    // The states are disabled after arming: wait for it, then stop the run (or let its 2 s end it).
    waitUntil([&] {
        during = sys.disabled(tuningCpu(), 3);
        return during == "011";
    });
    if (signal)
        kill(pid, signal);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace

TEST(HostTuningCli, IdleStatesComeBackAfterEveryEnd)
{
    for (const auto& [signal, code] : {std::pair{0, 0}, std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}}) {
        TuningFakeIdleSysfs sys(fmt::format("cli{}", signal));
        sys.cpu(tuningCpu(), {"POLL", "C1", "C6"});
        std::string during;
        EXPECT_EQ(runWithIdleLimit(sys, signal, during), code) << "signal " << signal;
        EXPECT_EQ(during, "011") << "C1 and C6 disabled while it ran; signal " << signal;
        EXPECT_EQ(sys.disabled(tuningCpu(), 3), "000") << "signal " << signal;
    }
}

TEST(HostTuningCli, ACpuWithoutIdleStatesIsOneLineAndNothingStaysArmed)
{
    TuningFakeIdleSysfs sys("cli-none");
    fs::create_directories(sys.root());
    const auto r = runCli(fmt::format("run --device sim --vectors msix:0 --cpu {} --no-live --duration 1s "
                                      "--deepest-idle-state 0 --sysfs-root {}",
                                      tuningCpu(), sys.root().string()));
    EXPECT_EQ(r.exitCode, 1) << r.output;
    EXPECT_EQ(lineCount(r.output), 1) << r.output;
    EXPECT_NE(r.output.find(fmt::format("CPU {} has no cpuidle states", tuningCpu())), std::string::npos) << r.output;
}

TEST(HostTuningCli, IrqThreadOptionsOnTheSimulatedDeviceSayThereIsNoThread)
{
    const auto r = runCli("run --device sim --vectors msix:0 --no-live --duration 200ms --irq-thread-prio 60");
    EXPECT_EQ(r.exitCode, 0) << r.output;
    EXPECT_NE(r.output.find("--irq-thread-prio: no IRQ thread serves the measured vectors (the simulated device has no "
                            "host IRQs): nothing changed"),
              std::string::npos)
        << r.output;
}

// IRQ threads on a threading host (docs/rt-hosts.md §1, §2): /proc/PID/stat and status texts as the guests'
// PREEMPT_RT kernels print them, finding a host IRQ's thread in a fake /proc, the tracker carrying it into
// snapshots, CPU lists, and the warnings' decisions.
#include "base/cpu_list.h"
#include "observe/host_irq.h"
#include "observe/irq_thread.h"
#include "observe/irq_thread_warnings.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace irqscope::core;
namespace fs = std::filesystem;

namespace {

// /proc/PID/stat of edu's MSI handler thread in the 6.1 PREEMPT_RT guest (tests/vm, type1, RT-STAT), while
// `irqscope run --irq-thread-prio 70` ran: SCHED_FIFO 70 on CPU 0. The kernel shows the thread's whole name, whose
// vfio action name has parentheses of its own.
constexpr const char* kRtStat =
    "211 (irq/26-vfio-msi[0](0000:00:01.0)) R 2 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 -71 0 1 0 2343 0 0 "
    "18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 0 70 1 0 0 0 0 0 0 0 0 0 0 0\n";
constexpr const char* kRtStatus =
    "Name:\tirq/26-vfio-msi[0](0000:00:01.0)\nUmask:\t0000\nState:\tR (running)\nTgid:\t211\n"
    "Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t1\n";

class IrqThreadFakeProc
{
public:
    IrqThreadFakeProc()
        : m_root(fs::temp_directory_path() / ("irqscope_irqthread_" + std::to_string(getpid())))
    {
        fs::remove_all(m_root);
        fs::create_directories(m_root);
    }
    ~IrqThreadFakeProc() { fs::remove_all(m_root); }
    const fs::path& root() const { return m_root; }
    void write(const std::string& rel, const std::string& text) const
    {
        fs::create_directories((m_root / rel).parent_path());
        std::ofstream(m_root / rel) << text;
    }
    // A kernel thread: comm, stat (policy, priority, CPU) and status (affinity).
    void thread(int pid, const std::string& comm, int policy, int prio, int cpu, const std::string& affinity) const
    {
        write(fmt::format("{}/comm", pid), comm + "\n");
        std::string stat = fmt::format("{} ({}) S 2 0 0 0 -1 2129984", pid, comm);
        for (int field = 10; field <= 38; ++field)
            stat += " 0";
        stat += fmt::format(" {} {} {} 0 0 0\n", cpu, prio, policy);
        write(fmt::format("{}/stat", pid), stat);
        write(fmt::format("{}/status", pid), fmt::format("Name:\t{}\nCpus_allowed_list:\t{}\n", comm, affinity));
    }
    void remove(int pid) const { fs::remove_all(m_root / std::to_string(pid)); }
    void interrupts(const std::string& body) const { write("interrupts", "           CPU0       CPU1\n" + body); }

private:
    fs::path m_root;
};

std::string msiLine(int irq, const std::string& action)
{
    return fmt::format("{:>3}:          0          0   PCI-MSI 32768-edge      {}\n", irq, action);
}

IrqThreadInfo fifoThread(int prio, const std::string& affinity, int cpu, const std::string& irqAffinity = "")
{
    IrqThreadInfo t;
    t.pid = 87;
    t.comm = "irq/24-vfio-msi";
    t.policy = "SCHED_FIFO";
    t.priority = prio;
    t.affinity = affinity;
    t.lastCpu = cpu;
    t.irqAffinity = irqAffinity;
    t.state = 'S'; // waiting for its interrupt, as an IRQ thread is almost always
    return t;
}

Snapshot oneThreadedVector(const IrqThreadInfo& t)
{
    Snapshot s;
    VectorSnapshot v;
    v.id = {IrqIndex::Msi, 0};
    v.name = "msi:0";
    v.hostIrq = 24;
    v.hostCpu = 0;
    v.irqThread = t;
    s.vectors.push_back(v);
    return s;
}

} // namespace

TEST(IrqThreadParse, StatFieldsOfAnRtHandlerThread)
{
    const auto s = parseProcStat(kRtStat);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->comm, "irq/26-vfio-msi[0](0000:00:01.0)");
    EXPECT_TRUE(isIrqThreadComm(s->comm, 26));
    EXPECT_EQ(s->lastCpu, 0);
    EXPECT_EQ(s->rtPriority, 70);
    EXPECT_EQ(s->policy, 1);
    EXPECT_EQ(schedPolicyName(s->policy), "SCHED_FIFO");
}

TEST(IrqThreadParse, CommWithSpacesAndParenthesesCountsFromTheLastParenthesis)
{
    std::string stat = "9 (a) b (c) S 2 0 0 0 -1 0";
    for (int field = 10; field <= 38; ++field)
        stat += " 0";
    stat += " 3 7 2 0 0";
    const auto s = parseProcStat(stat);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->comm, "a) b (c");
    EXPECT_EQ(s->lastCpu, 3);
    EXPECT_EQ(s->rtPriority, 7);
    EXPECT_EQ(schedPolicyName(s->policy), "SCHED_RR");
}

TEST(IrqThreadParse, ShortOrMalformedStatIsRefused)
{
    EXPECT_FALSE(parseProcStat(""));
    EXPECT_FALSE(parseProcStat("87 (irq/24-vfio-msi) S 2 0 0"));
    EXPECT_FALSE(parseProcStat("87 irq/24-vfio-msi S 2 0 0"));
}

TEST(IrqThreadParse, CpusAllowedListFromStatus)
{
    EXPECT_EQ(cpusAllowedList(kRtStatus), "0");
    EXPECT_EQ(cpusAllowedList("Name:\tx\nCpus_allowed_list:\t0-3,8\n"), "0-3,8");
    EXPECT_EQ(cpusAllowedList("Name:\tx\n"), "");
}

TEST(IrqThreadParse, ThreadNameMatchesItsIrqNumberOnly)
{
    EXPECT_TRUE(isIrqThreadComm("irq/24-vfio-msi", 24));
    EXPECT_TRUE(isIrqThreadComm("irq/24-s-vfio-ms", 24));
    EXPECT_FALSE(isIrqThreadComm("irq/241-vfio-msi", 24));
    EXPECT_FALSE(isIrqThreadComm("irq/2-vfio-msix[", 24));
    EXPECT_FALSE(isIrqThreadComm("irq/24-", 24));
    EXPECT_FALSE(isIrqThreadComm("kworker/0:1", 24));
}

TEST(IrqThreadParse, InfoFromTexts)
{
    const auto t = irqThreadFromTexts(211, kRtStat, kRtStatus, "0\n");
    ASSERT_TRUE(t);
    auto expected = fifoThread(70, "0", 0, "0");
    expected.pid = 211;
    expected.state = 'R';
    expected.comm = "irq/26-vfio-msi[0](0000:00:01.0)";
    EXPECT_EQ(*t, expected);
}

// The guest's 6.1-rt kernel: the thread exited (vector disarmed) between the reads of its stat and its status,
// and an end-of-run warning said it "may run on CPUs  only, none of them online".
TEST(IrqThreadParse, AThreadGoneBeforeItsStatusIsReadIsNoThread)
{
    EXPECT_FALSE(irqThreadFromTexts(211, kRtStat, "", "0\n"));
    EXPECT_FALSE(irqThreadFromTexts(211, kRtStat, "Name:\tirq/26-vfio-msi\nCpus_allowed_list:\t\n", "0\n"));
}

TEST(IrqThreadCpuList, ParseFormatIntersect)
{
    EXPECT_EQ(parseCpuList("0-3,8,10-11\n"), (std::vector<int>{0, 1, 2, 3, 8, 10, 11}));
    EXPECT_EQ(parseCpuList(""), std::vector<int>{});
    EXPECT_FALSE(parseCpuList("3-1"));
    EXPECT_FALSE(parseCpuList("a"));
    EXPECT_FALSE(parseCpuList("1,,2"));
    EXPECT_EQ(formatCpuList({0, 1, 2, 3, 8, 10, 11}), "0-3,8,10-11");
    EXPECT_EQ(formatCpuList({}), "");
    EXPECT_TRUE(cpuListsIntersect({0, 2, 4}, {3, 4}));
    EXPECT_FALSE(cpuListsIntersect({0, 2}, {1, 3}));
}

TEST(IrqThreadFinder, FindsEachIrqsThreadAndReadsIt)
{
    IrqThreadFakeProc proc;
    proc.thread(1, "systemd", 0, 0, 1, "0-1");
    proc.thread(87, "irq/24-vfio-msi", 1, 50, 0, "0");
    proc.thread(88, "irq/241-vfio-msi", 1, 50, 1, "1");
    proc.thread(90, "irq/25-s-vfio-ms", 1, 49, 1, "0-1");
    proc.thread(91, "irq/25-vfio-msix", 1, 50, 1, "1");
    proc.write("irq/24/smp_affinity_list", "0-1\n");
    IrqThreadFinder finder(proc.root().string());
    const auto found = finder.read({24, 25, 26});
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found.at(24), fifoThread(50, "0", 0, "0-1"));
    EXPECT_EQ(found.at(25).pid, 91) << "the primary thread, not the secondary irq/25-s-";
    EXPECT_EQ(found.at(25).lastCpu, 1);
}

TEST(IrqThreadFinder, RemembersThePidAndLooksAgainWhenTheThreadGoes)
{
    IrqThreadFakeProc proc;
    proc.thread(87, "irq/24-vfio-msi", 1, 50, 0, "0");
    IrqThreadFinder finder(proc.root().string());
    ASSERT_EQ(finder.read({24}).at(24).priority, 50);
    // A changed priority is read from the remembered pid.
    proc.thread(87, "irq/24-vfio-msi", 1, 80, 0, "0");
    EXPECT_EQ(finder.read({24}).at(24).priority, 80);
    // Freed and allocated again: a new thread with a new pid.
    proc.remove(87);
    proc.thread(120, "irq/24-vfio-msi", 1, 50, 1, "1");
    const auto again = finder.read({24});
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again.at(24).pid, 120);
    // Gone for good: nothing, and no error.
    proc.remove(120);
    EXPECT_TRUE(finder.read({24}).empty());
}

TEST(IrqThreadFinder, NoThreadOnAHostThatDoesNotThreadHandlers)
{
    IrqThreadFakeProc proc;
    proc.thread(1, "systemd", 0, 0, 1, "0-1");
    proc.thread(14, "ksoftirqd/0", 0, 0, 0, "0");
    IrqThreadFinder finder(proc.root().string());
    EXPECT_TRUE(finder.read({24}).empty());
    EXPECT_TRUE(finder.read({24}).empty());
}

TEST(IrqThreadTracker, SnapshotsCarryTheThreadOfEachVector)
{
    IrqThreadFakeProc proc;
    const std::string bdf = "0000:00:03.0";
    proc.interrupts(msiLine(24, "vfio-msix[0](" + bdf + ")") + msiLine(25, "vfio-msix[1](" + bdf + ")"));
    proc.write("irq/24/effective_affinity_list", "0\n");
    proc.write("irq/24/smp_affinity_list", "0-1\n");
    proc.thread(87, "irq/24-vfio-msix", 1, 50, 0, "0-1");
    HostIrqTracker tracker(bdf, proc.root().string());
    tracker.sample();
    Snapshot s;
    for (uint32_t sub : {0u, 1u}) {
        VectorSnapshot v;
        v.id = {IrqIndex::Msix, sub};
        s.vectors.push_back(v);
    }
    tracker.apply(s);
    ASSERT_TRUE(s.vectors[0].irqThread);
    EXPECT_EQ(s.vectors[0].irqThread->pid, 87);
    EXPECT_EQ(s.vectors[0].irqThread->irqAffinity, "0-1");
    EXPECT_FALSE(s.vectors[1].irqThread) << "IRQ 25 has no thread: not threaded";
    const auto threads = tracker.threads();
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(threads[0].irq, 24);
    EXPECT_EQ(threads[0].cpu, 0);
    EXPECT_EQ(tracker.irqCpus(), std::vector<int>{0});
}

TEST(IrqThreadWarnings, CoreFifoAtOrAboveTheThreadOnItsCpuIsAnInversion)
{
    RunScheduling run;
    run.coreCpu = 0;
    run.rtRuntimeUs = -1;
    run.coreFifoPriority = 50;
    auto w = irqThreadWarnings(oneThreadedVector(fifoThread(50, "0", 0)), run);
    ASSERT_EQ(w.size(), 1u);
    EXPECT_NE(w[0].find("msi:0: irqscope's core thread (SCHED_FIFO 50) is at or above IRQ thread irq/24-vfio-msi "
                        "(pid 87, SCHED_FIFO 50) on CPU 0"),
              std::string::npos)
        << w[0];
    run.coreFifoPriority = 49;
    EXPECT_TRUE(irqThreadWarnings(oneThreadedVector(fifoThread(50, "0", 0)), run).empty()) << "below it: fine";
    run.coreFifoPriority = 80;
    EXPECT_TRUE(irqThreadWarnings(oneThreadedVector(fifoThread(50, "1", 1)), run).empty()) << "another CPU: fine";
    // Allowed on several CPUs: the one it last ran on decides.
    EXPECT_EQ(irqThreadWarnings(oneThreadedVector(fifoThread(50, "0-1", 0)), run).size(), 1u);
    EXPECT_TRUE(irqThreadWarnings(oneThreadedVector(fifoThread(50, "0-1", 1)), run).empty());
    // A SCHED_OTHER thread is below any FIFO priority; a SCHED_OTHER core thread inverts nothing.
    auto other = fifoThread(0, "0", 0);
    other.policy = "SCHED_OTHER";
    run.coreFifoPriority = 1;
    EXPECT_EQ(irqThreadWarnings(oneThreadedVector(other), run).size(), 1u);
    run.coreFifoPriority = 0;
    EXPECT_TRUE(irqThreadWarnings(oneThreadedVector(other), run).empty());
}

// The 6.1-rt guest: right after arming, the new IRQ thread was read runnable and still SCHED_OTHER (it makes itself
// SCHED_FIFO after telling request_irq it is ready), and `--fifo 49` was warned about as an inversion.
TEST(IrqThreadWarnings, ARunnableNewThreadNotYetFifoGetsNoVerdict)
{
    RunScheduling run;
    run.coreCpu = 0;
    run.rtRuntimeUs = -1;
    run.coreFifoPriority = 49;
    auto starting = fifoThread(0, "0", 0);
    starting.policy = "SCHED_OTHER";
    starting.state = 'R';
    EXPECT_TRUE(irqThreadWarnings(oneThreadedVector(starting), run).empty());
    starting.state = 'S'; // asleep in SCHED_OTHER: set so, and an inversion
    EXPECT_EQ(irqThreadWarnings(oneThreadedVector(starting), run).size(), 1u);
    auto fifo = fifoThread(50, "0", 0);
    fifo.state = 'R'; // runnable under SCHED_FIFO: its policy is final
    run.coreFifoPriority = 50;
    EXPECT_EQ(irqThreadWarnings(oneThreadedVector(fifo), run).size(), 1u);
}

TEST(IrqThreadWarnings, AffinityOutsideTheIrqsCpusOrOffline)
{
    RunScheduling run;
    run.coreCpu = 3;
    run.rtRuntimeUs = -1;
    run.onlineCpus = {0, 1, 2, 3};
    auto w = irqThreadWarnings(oneThreadedVector(fifoThread(50, "0-1", 0, "2-3")), run);
    ASSERT_EQ(w.size(), 1u);
    EXPECT_NE(w[0].find("may run on CPUs 0-1 only, none of the CPUs its IRQ 24 may fire on (2-3)"), std::string::npos)
        << w[0];
    EXPECT_TRUE(irqThreadWarnings(oneThreadedVector(fifoThread(50, "0-2", 0, "2-3")), run).empty());
    w = irqThreadWarnings(oneThreadedVector(fifoThread(50, "6-7", 6)), run);
    ASSERT_EQ(w.size(), 1u);
    EXPECT_NE(w[0].find("none of them online (0-3)"), std::string::npos) << w[0];
    // No affinity read is no warning (a thread that exited mid-read), not "none of them online".
    EXPECT_TRUE(irqThreadWarnings(oneThreadedVector(fifoThread(50, "", 0)), run).empty());
    EXPECT_TRUE(irqThreadWarnings(oneThreadedVector(fifoThread(50, "", 0, "2-3")), run).empty());
}

TEST(IrqThreadWarnings, RtThrottlingWhileBusyPollingOnAThreadingHost)
{
    RunScheduling run;
    run.coreCpu = 3;
    run.busyPoll = true;
    run.rtRuntimeUs = 950000;
    auto w = irqThreadWarnings(oneThreadedVector(fifoThread(50, "0", 0)), run);
    ASSERT_EQ(w.size(), 1u);
    EXPECT_NE(w[0].find("RT throttling is on (sched_rt_runtime_us=950000) while busy-polling"), std::string::npos);
    run.rtRuntimeUs = -1;
    EXPECT_TRUE(irqThreadWarnings(oneThreadedVector(fifoThread(50, "0", 0)), run).empty());
    run.rtRuntimeUs = 950000;
    run.busyPoll = false;
    EXPECT_TRUE(irqThreadWarnings(oneThreadedVector(fifoThread(50, "0", 0)), run).empty());
    run.busyPoll = true;
    EXPECT_TRUE(irqThreadWarnings(Snapshot{}, run).empty()) << "no IRQ thread: handlers in hard interrupt context";
}

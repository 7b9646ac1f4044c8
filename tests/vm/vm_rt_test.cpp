// Threading hosts in the guest (docs/rt-hosts.md, docs/guest-tests.md §12): on Debian's PREEMPT_RT kernels and on a
// stock kernel booted with `threadirqs`, each measured vector's IRQ thread is found and shown; a --fifo core
// thread at or above it on its CPU is warned about; --irq-thread-prio changes it for the run only; the idle
// states --deepest-idle-state disables come back after SIGINT, SIGTERM and a normal end. On a kernel that runs the
// handlers in hard interrupt context the same runs find no thread and say so.
#include "vm_cli.h"
#include "vm_support.h"

#include "base/file_text.h"
#include "observe/irq_thread.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <pty.h>
#include <sched.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace irqscope::vmtest;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

json rtReport(const std::string& args, const std::string& stem = "vmrt")
{
    const auto r = runCli(args + " --no-live --json /tmp/" + stem + ".json", stem);
    EXPECT_EQ(r.rc, 0) << args << ": " << r.err;
    try {
        return json::parse(slurpFile("/tmp/" + stem + ".json"));
    } catch (const std::exception& e) {
        ADD_FAILURE() << args << ": no JSON report: " << e.what();
        return json::object();
    }
}

// The pid of IRQ `irq`'s handler thread, -1 when it has none.
int rtThreadPid(int irq)
{
    for (const auto& entry : fs::directory_iterator("/proc")) {
        const auto pid = irqscope::core::parseInteger<int>(entry.path().filename().string());
        if (pid && irqscope::core::isIrqThreadComm(readFirstLine(entry.path().string() + "/comm").value_or(""), irq))
            return *pid;
    }
    return -1;
}

// The rt_priority of `pid` (stat field 40), -1 when it is gone.
int rtPriorityOf(int pid)
{
    const auto stat = irqscope::core::parseProcStat(readWholeFile(fmt::format("/proc/{}/stat", pid)).value_or(""));
    return stat ? stat->rtPriority : -1;
}

// The host IRQ of `vector` of `bdf` now, -1 when it has none.
int rtHostIrq(const std::string& bdf, irqscope::core::VectorId vector)
{
    const auto irqs = irqscope::core::readHostIrqs(bdf);
    const auto* irq = irqscope::core::findHostIrq(irqs, vector);
    return irq ? irq->irq : -1;
}

// Starts `irqscope ARGS` without a shell, stdout and stderr to /tmp/STEM.{out,err}.
pid_t rtStart(const std::vector<std::string>& args, const std::string& stem)
{
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
        if (!freopen(("/tmp/" + stem + ".out").c_str(), "w", stdout) ||
            !freopen(("/tmp/" + stem + ".err").c_str(), "w", stderr))
            _exit(126);
        std::vector<char*> argv{const_cast<char*>(cliPath().c_str())};
        for (const auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    return pid;
}

// `irqscope ARGS` on a pseudo-terminal (so it prints its table, not JSON Lines); everything it wrote.
std::string rtRunOnPty(const std::vector<std::string>& args)
{
    std::fflush(stdout);
    int master = -1;
    const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
    if (pid < 0)
        return fmt::format("forkpty failed: {} (is devpts mounted on /dev/pts?)", std::strerror(errno));
    if (pid == 0) {
        std::vector<char*> argv{const_cast<char*>(cliPath().c_str())};
        for (const auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = read(master, buf, sizeof buf)) > 0;) // EIO once the child closed its side
        out.append(buf, static_cast<std::size_t>(n));
    close(master);
    waitpid(pid, nullptr, 0);
    return out;
}

int rtWait(pid_t pid)
{
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

template<class Condition>
bool rtWaitFor(Condition&& condition, std::chrono::seconds timeout = std::chrono::seconds(60))
{
    const auto giveUp = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > giveUp)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

} // namespace

TEST(VmRt, EachMeasuredVectorsIrqThreadIsFoundAndShown)
{
    IRQSCOPE_REQUIRE_CLI();
    IRQSCOPE_REQUIRE_DEVICE(e1000e, DeviceKind::E1000e);
    const auto report = rtReport(fmt::format("run -d {} -v msix -t device -r 200 -D 2s", e1000e));
    ASSERT_EQ(report["vectors"].size(), 5u);
    for (const auto& v : report["vectors"]) {
        const auto& t = v["irq_thread"];
        std::printf("RT vector %s irq=%s thread=%s\n", v["name"].get<std::string>().c_str(),
                    v["host_irq"].dump().c_str(), t.dump().c_str());
        if (!threadedIrqHandlers()) {
            EXPECT_TRUE(t.is_null()) << "hard interrupt context: no thread, " << v["name"];
            continue;
        }
        ASSERT_TRUE(t.is_object()) << v["name"];
        ASSERT_TRUE(v["host_irq"].is_number());
        EXPECT_GT(t["pid"].get<int>(), 0);
        EXPECT_TRUE(irqscope::core::isIrqThreadComm(t["comm"].get<std::string>(), v["host_irq"].get<int>()))
            << t["comm"];
        // The kernel gives every IRQ thread SCHED_FIFO at MAX_RT_PRIO / 2 (kernel/irq/manage.c setup_irq_thread).
        EXPECT_EQ(t["policy"], "SCHED_FIFO");
        EXPECT_EQ(t["priority"], 50);
        EXPECT_FALSE(t["affinity"].get<std::string>().empty());
        EXPECT_EQ(t["cpu"], 0) << "one vCPU";
    }
    EXPECT_TRUE(report["warnings"].empty()) << report["warnings"].dump();
    // JSON Lines carry it too (stdout not a terminal).
    const auto lines = runCli(fmt::format("run -d {} -v msix:0 -t device -r 200 -D 1500ms -i 500ms", e1000e), "vmrtl");
    EXPECT_EQ(lines.rc, 0) << lines.err;
    std::istringstream in(lines.out);
    std::string line;
    int records = 0;
    while (std::getline(in, line)) {
        const auto record = json::parse(line, nullptr, false);
        if (record.is_discarded() || record.value("type", "") != "interval")
            continue;
        ++records;
        EXPECT_EQ(record["vectors"][0]["irq_thread"].is_object(), threadedIrqHandlers()) << line;
    }
    EXPECT_GT(records, 0) << lines.out;
    // The table on a terminal: THREAD, PRIO and TCPU beside IRQ, CPU and HOST on a threading host only.
    const std::string table =
        rtRunOnPty({"run", "-d", e1000e, "-v", "msix:0", "-t", "device", "-r", "200", "-D", "1s", "--no-live"});
    std::printf("RT-TABLE\n%s\n", table.c_str());
    ASSERT_NE(table.find("IRQ  CPU     HOST"), std::string::npos) << "the table with its host columns: " << table;
    const bool columns = table.find("HOST  THREAD     PRIO TCPU") != std::string::npos;
    EXPECT_EQ(columns, threadedIrqHandlers()) << table;
    if (threadedIrqHandlers()) {
        EXPECT_NE(table.find("FIFO 50    0"), std::string::npos) << table;
    }
}

TEST(VmRt, FifoAtOrAboveTheIrqThreadOnItsCpuIsWarnedAbout)
{
    IRQSCOPE_REQUIRE_CLI();
    IRQSCOPE_REQUIRE_DEVICE(edu, DeviceKind::Edu);
    if (!threadedIrqHandlers())
        GTEST_SKIP() << "this kernel runs vfio's handlers in hard interrupt context: no IRQ thread to invert";
    const auto above = rtReport(fmt::format("run -d {} -v msi -t device -r 200 -D 1s --cpu 0 --fifo 50", edu));
    ASSERT_EQ(above["warnings"].size(), 1u) << above["warnings"].dump();
    const std::string warning = above["warnings"][0];
    std::printf("RT-WARNING %s\n", warning.c_str());
    EXPECT_NE(warning.find("msi:0: irqscope's core thread (SCHED_FIFO 50) is at or above IRQ thread irq/"),
              std::string::npos);
    EXPECT_NE(slurpFile("/tmp/vmrt.err").find("irqscope: warning: " + warning), std::string::npos)
        << "one line on stderr too";
    const auto below = rtReport(fmt::format("run -d {} -v msi -t device -r 200 -D 1s --cpu 0 --fifo 49", edu));
    EXPECT_TRUE(below["warnings"].empty()) << below["warnings"].dump();
}

TEST(VmRt, IrqThreadPrioChangesItForTheRunAndItIsBackAfterwards)
{
    IRQSCOPE_REQUIRE_CLI();
    IRQSCOPE_REQUIRE_DEVICE(edu, DeviceKind::Edu);
    if (!threadedIrqHandlers()) {
        const auto r = runCli(fmt::format("run -d {} -v msi -t device -D 500ms --no-live --irq-thread-prio 70", edu));
        EXPECT_EQ(r.rc, 0) << r.err;
        EXPECT_NE(r.err.find("--irq-thread-prio: no IRQ thread serves the measured vectors"), std::string::npos)
            << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        return;
    }
    ASSERT_TRUE(fs::exists("/sys/kernel/tracing/instances")) << "tracefs is not mounted: the guest's /init mounts it";
    const pid_t run = rtStart({"run", "-d", edu, "-v", "msi", "-t", "device", "-r", "200", "-D", "0", "--no-live",
                               "--irq-thread-prio", "70", "--json", "/tmp/vmrt-prio.json"},
                              "vmrt-prio");
    int pid = -1;
    ASSERT_TRUE(rtWaitFor([&] {
        const int irq = rtHostIrq(edu, {irqscope::core::IrqIndex::Msi, 0});
        pid = irq >= 0 ? rtThreadPid(irq) : -1;
        return pid > 0 && rtPriorityOf(pid) == 70;
    })) << "the thread never reached 70";
    // The recorded /proc texts the unit tests parse (tests/core/irq_thread_test.cpp).
    std::printf("RT-STAT %s", readWholeFile(fmt::format("/proc/{}/stat", pid)).value_or("gone\n").c_str());
    std::printf(
        "RT-STATUS %s\n",
        irqscope::core::cpusAllowedList(readWholeFile(fmt::format("/proc/{}/status", pid)).value_or("")).c_str());
    // The disarm ends the thread, so "back afterwards" is the priority it dies with: the kernel's trace records it
    // in sched_process_exit (prio = 99 - rt_priority: 49 for 50, 29 for 70), whatever the emulator's timing.
    const std::string trace = "/sys/kernel/tracing/instances/irqscope-vmrt";
    kill(run, SIGSTOP); // no exit before the event is on
    fs::create_directory(trace);
    const auto write = [&](const std::string& file, const std::string& text) {
        std::ofstream out(trace + "/" + file);
        out << text << '\n';
        return static_cast<bool>(out.flush());
    };
    EXPECT_TRUE(write("events/sched/sched_process_exit/filter", fmt::format("pid == {}", pid)));
    EXPECT_TRUE(write("events/sched/sched_process_exit/enable", "1"));
    kill(run, SIGINT);
    kill(run, SIGCONT);
    EXPECT_EQ(rtWait(run), 130) << slurpFile("/tmp/vmrt-prio.err");
    EXPECT_TRUE(rtWaitFor([&] { return rtPriorityOf(pid) < 0; })) << "the disarm ends the thread";
    const std::string exits = readWholeFile(trace + "/trace").value_or("");
    write("events/sched/sched_process_exit/enable", "0");
    fs::remove(trace);
    std::istringstream lines(exits);
    std::string exitLine;
    for (std::string l; std::getline(lines, l);)
        if (l.find("sched_process_exit") != std::string::npos &&
            l.find(fmt::format("pid={}", pid)) != std::string::npos)
            exitLine = l;
    std::printf("RT-PRIO thread %d exit: %s\n", pid, exitLine.c_str());
    EXPECT_NE(exitLine.find(" prio=49"), std::string::npos)
        << "the thread ended at the kernel's SCHED_FIFO 50 (prio 49), not 70 (prio 29): " << exitLine;
    EXPECT_EQ(slurpFile("/tmp/vmrt-prio.err").find("cannot restore"), std::string::npos) << "no restore failed";
    const auto report = json::parse(slurpFile("/tmp/vmrt-prio.json"), nullptr, false);
    ASSERT_FALSE(report.is_discarded());
    EXPECT_EQ(report["vectors"][0]["irq_thread"]["priority"], 70) << "the report shows the thread as it ran";
    EXPECT_EQ(report["config"]["host_tuning"].size(), 0u) << "a priority change is no note";
    // A CPU the kernel refuses (the guest has one vCPU) is one line, and the run ends disarmed.
    const auto bad = runCli(fmt::format("run -d {} -v msi -D 500ms --no-live --irq-thread-cpu 5", edu));
    std::printf("RT-REFUSED rc=%d %s", bad.rc, bad.err.c_str());
    EXPECT_EQ(bad.rc, 1) << bad.err;
    EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
    EXPECT_NE(bad.err.find("--irq-thread-cpu 5: the kernel refused it"), std::string::npos) << bad.err;
    EXPECT_EQ(slurpFile("/proc/interrupts").find("vfio-"), std::string::npos);
}

TEST(VmRt, IdleStatesComeBackAfterSigintSigtermAndANormalEnd)
{
    IRQSCOPE_REQUIRE_CLI();
    IRQSCOPE_REQUIRE_DEVICE(edu, DeviceKind::Edu);
    const std::string dir = "/sys/devices/system/cpu/cpu0/cpuidle";
    if (!fs::exists(dir)) {
        // Without a cpuidle driver the option is refused in one line, and nothing stays armed.
        const auto r = runCli(fmt::format("run -d {} -v msi -D 500ms --no-live --deepest-idle-state 0", edu));
        EXPECT_EQ(r.rc, 1) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_NE(r.err.find("has no cpuidle states"), std::string::npos) << r.err;
        EXPECT_EQ(slurpFile("/proc/interrupts").find("vfio-"), std::string::npos);
        GTEST_SKIP() << dir << " is absent: this guest has no cpuidle driver ("
                     << readFirstLine("/sys/devices/system/cpu/cpuidle/current_driver").value_or("none")
                     << "); the restore is checked against a fake sysfs tree (tests/core/host_tuning_test.cpp)";
    }
    const auto states = [&] {
        std::string out;
        for (int k = 0; fs::exists(fmt::format("{}/state{}", dir, k)); ++k)
            out += readFirstLine(fmt::format("{}/state{}/disable", dir, k)).value_or("?");
        return out;
    };
    const std::string before = states();
    std::printf("RT-IDLE states before: %s\n", before.c_str());
    ASSERT_GE(before.size(), 2u) << "a single idle state leaves nothing to disable";
    std::string limited = before.substr(0, 1) + std::string(before.size() - 1, '1');
    for (const auto& [signal, code] : {std::pair{0, 0}, std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}}) {
        const pid_t run = rtStart({"run", "-d", edu, "-v", "msi", "-t", "device", "-r", "200", "-D",
                                   signal ? "0" : "3s", "--no-live", "--cpu", "0", "--deepest-idle-state", "0"},
                                  "vmrt-idle");
        std::string during;
        EXPECT_TRUE(rtWaitFor([&] { return (during = states()) == limited; })) << "seen " << during;
        if (signal)
            kill(run, signal);
        EXPECT_EQ(rtWait(run), code) << slurpFile("/tmp/vmrt-idle.err");
        EXPECT_EQ(states(), before) << "signal " << signal;
    }
}

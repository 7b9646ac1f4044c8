// Injected faults and least privilege seen from outside, on the built irqscope binary: io_uring refused by a
// seccomp filter, a CPU outside the affinity mask, the host asking for the device back (REQ) mid-run, the
// capabilities left after setup, and exec= threshold actions run without a shell.
#include "report/json_report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sstream>
#include <string>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct Result
{
    int exitCode = -1;
    std::string out; // stdout
    std::string err; // stderr
};

std::string readAll(const fs::path& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs irqscope with `args` in a child, optionally behind a seccomp filter that makes io_uring_setup fail with
// `ioUringErrno`; stdout and stderr go to files so both can be checked.
Result runCli(const std::vector<std::string>& args, int ioUringErrno = 0)
{
    const fs::path dir = fs::temp_directory_path() / ("irqscope-fault-" + std::to_string(getpid()));
    fs::create_directories(dir);
    const fs::path out = dir / "out", err = dir / "err";
    const pid_t pid = fork();
    if (pid == 0) {
        if (!freopen(out.c_str(), "w", stdout) || !freopen(err.c_str(), "w", stderr))
            _exit(126);
        if (ioUringErrno) {
            sock_filter filter[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (static_cast<uint32_t>(ioUringErrno) & SECCOMP_RET_DATA)),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
            };
            sock_fprog prog{static_cast<unsigned short>(std::size(filter)), filter};
            if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
                _exit(125);
        }
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(IRQSCOPE_CLI_PATH));
        for (const auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    Result r;
    r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = readAll(out);
    r.err = readAll(err);
    fs::remove_all(dir);
    return r;
}

int countLines(const std::string& s)
{
    int n = 0;
    for (char c : s)
        n += c == '\n';
    return n;
}

// "CapEff:\t0000000000000000" of /proc/PID/task/TID/status, for every thread of `pid`.
std::vector<std::pair<std::string, uint64_t>> threadCapabilities(pid_t pid, const char* field)
{
    std::vector<std::pair<std::string, uint64_t>> out;
    std::error_code ec;
    for (const auto& task : fs::directory_iterator(fs::path("/proc") / std::to_string(pid) / "task", ec)) {
        std::ifstream in(task.path() / "status");
        std::string line, name;
        uint64_t caps = ~uint64_t(0);
        while (std::getline(in, line)) {
            if (line.rfind("Name:", 0) == 0)
                name = line.substr(line.find_first_not_of(" \t", 5));
            if (line.rfind(field, 0) == 0)
                caps = std::stoull(line.substr(line.find_first_not_of(" \t", std::string(field).size())), nullptr, 16);
        }
        out.emplace_back(name, caps);
    }
    return out;
}

bool selfHasCapability(int cap)
{
    for (const auto& [name, caps] : threadCapabilities(getpid(), "CapEff:"))
        return caps & (uint64_t(1) << cap);
    return false;
}

} // namespace

TEST(FaultCli, IoUringRefusedBySeccompIsAOneLineErrorNotAFallback)
{
    // EPERM is what a container's default seccomp profile and kernel.io_uring_disabled give; ENOSYS a kernel
    // without io_uring. Decision (docs/reliability.md): a clear error, exit 1, no epoll fallback.
    for (int err : {EPERM, ENOSYS}) {
        const auto r = runCli({"run", "--device", "sim", "--duration", "1s", "--no-live"}, err);
        ASSERT_NE(r.exitCode, 125) << "cannot install a seccomp filter here";
        EXPECT_EQ(r.exitCode, 1) << r.err;
        EXPECT_EQ(countLines(r.err), 1) << r.err;
        EXPECT_EQ(r.err.rfind("irqscope: error: io_uring ", 0), 0u) << r.err;
        EXPECT_NE(r.err.find(err == EPERM ? "(io_uring_setup: EPERM)" : "(io_uring_setup: ENOSYS)"), std::string::npos)
            << r.err;
        EXPECT_NE(r.err.find(err == EPERM ? "seccomp profile" : "built without io_uring"), std::string::npos) << r.err;
    }
}

TEST(FaultCli, CpuOutsideTheAllowedMaskIsAUsageErrorBeforeTheDevice)
{
    for (const char* option : {"--cpu", "--trigger-cpu"}) {
        const auto r = runCli({"run", "--device", "sim", "--duration", "1s", option, "4000"});
        EXPECT_EQ(r.exitCode, 2) << r.err;
        EXPECT_EQ(countLines(r.err), 1) << r.err;
        EXPECT_NE(r.err.find(std::string(option) + " 4000: CPU 4000 is not in this process's allowed CPUs ("),
                  std::string::npos)
            << r.err;
    }
    // A CPU that exists but is outside the mask (taskset): the same, when the machine has two.
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) >= 2) {
        int first = -1, second = -1;
        for (int c = 0; c < CPU_SETSIZE && second < 0; ++c)
            if (CPU_ISSET(c, &set))
                (first < 0 ? first : second) = c;
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(first, &one);
        ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
        const auto r = runCli({"run", "--device", "sim", "--duration", "1s", "--cpu", std::to_string(second)});
        sched_setaffinity(0, sizeof set, &set);
        EXPECT_EQ(r.exitCode, 2) << r.err;
        EXPECT_NE(r.err.find("allowed CPUs (" + std::to_string(first) + ")"), std::string::npos) << r.err;
    }
}

TEST(FaultCli, HostRequestMidRunExitsFiveWithPartialReports)
{
    // The sim's host asks for the device back 1 s after the device appeared; the run would last 20 s. That it
    // ended at the request is read from the run's own report (its duration and stop reason), not from a wall
    // clock, and what the partial report holds is checked against its own counters, not against a rate.
    const fs::path json = fs::temp_directory_path() / ("irqscope-fault-req-" + std::to_string(getpid()) + ".json");
    const auto r = runCli({"run", "--device", "sim", "--vectors", "msix:0-3", "--rate", "1000", "--duration", "20s",
                           "--sim-faults", "req-after=1s", "--no-live", "--json", json.string()});
    EXPECT_EQ(r.exitCode, 5) << r.err;
    EXPECT_EQ(countLines(r.err), 1) << r.err;
    EXPECT_EQ(r.err, "irqscope: the host asked for the device back (VFIO REQ interrupt): every vector disarmed, "
                     "partial reports written (exit 5)\n");
    std::ifstream in(json);
    ASSERT_TRUE(in) << "the partial JSON report was written";
    const auto report = nlohmann::json::parse(in);
    EXPECT_EQ(report["run"]["stop_reason"], "the host asked for the device back (VFIO REQ interrupt)");
    EXPECT_LT(report["run"]["duration_s"].get<double>(), 20.0) << "the run ends at the request, not at --duration";
    EXPECT_TRUE(report["totals"]["balanced"].get<bool>());
    uint64_t unsampled = 0;
    for (const auto& v : report["vectors"]) {
        // Measured until the request: completions, each with its latency unless the sample ring dropped it.
        const uint64_t completed = v["completed"].get<uint64_t>();
        const uint64_t latencies = v["latency_ns"]["count"].get<uint64_t>();
        EXPECT_GT(completed, 0u) << v["name"];
        EXPECT_LE(latencies, completed) << v["name"];
        unsampled += completed - latencies;
        EXPECT_EQ(v["state"][0], "disarmed");
    }
    EXPECT_LE(unsampled, report["run"]["ring_drops"].get<uint64_t>()) << "every completion's latency is reported";
    fs::remove(json);
}

TEST(FaultPrivileges, CapabilitiesAreDroppedOnceSetUp)
{
    if (geteuid() != 0)
        GTEST_SKIP() << "runs as root only: an unprivileged run has no capabilities to drop";
    if (!selfHasCapability(CAP_SETPCAP) || !selfHasCapability(CAP_IPC_LOCK))
        GTEST_SKIP() << "root without CAP_SETPCAP/CAP_IPC_LOCK here (a restricted container)";
    struct Case
    {
        std::vector<std::string> extra;
        uint64_t expected; // every thread's effective set, and the main thread's bounding set
    };
    const fs::path json = fs::temp_directory_path() / ("irqscope-fault-caps-" + std::to_string(getpid()) + ".json");
    const Case cases[] = {
        {{}, 0},
        {{"--mlock"}, uint64_t(1) << CAP_IPC_LOCK},
        {{"--json", json.string()}, uint64_t(1) << CAP_DAC_OVERRIDE},
    };
    for (const auto& c : cases) {
        // Until the signal below: the run must not end before the threads are seen, however slow the machine.
        std::vector<std::string> args = {"run", "--device", "sim", "--vectors", "msix:0-1", "--duration", "0"};
        args.insert(args.end(), c.extra.begin(), c.extra.end());
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
        // Wait until set up and armed (the aggregator thread exists from then on), up to a minute of a slow machine.
        std::vector<std::pair<std::string, uint64_t>> eff, bnd;
        const auto giveUp = std::chrono::steady_clock::now() + 60s;
        while (std::chrono::steady_clock::now() < giveUp) {
            std::this_thread::sleep_for(50ms);
            eff = threadCapabilities(pid, "CapEff:");
            bnd = threadCapabilities(pid, "CapBnd:");
            bool settled = eff.size() >= 3;
            for (const auto& [name, caps] : eff)
                settled = settled && caps == (name == "irqscope-sim" ? 0 : c.expected);
            if (settled)
                break;
        }
        kill(pid, SIGTERM); // seen what was needed: end the run the way a user would
        int status = 0;
        waitpid(pid, &status, 0);
        EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 143);
        ASSERT_GE(eff.size(), 3u) << "main, core and aggregator threads at least";
        // The simulated hardware's thread holds nothing at all, whatever the run keeps.
        const auto expected = [&](const std::string& name) {
            return name == "irqscope-sim" ? 0 : c.expected;
        };
        for (const auto& [name, caps] : eff)
            EXPECT_EQ(caps, expected(name))
                << "thread " << name << " CapEff with " << ::testing::PrintToString(c.extra);
        for (const auto& [name, caps] : bnd)
            EXPECT_EQ(caps, expected(name))
                << "thread " << name << " CapBnd with " << ::testing::PrintToString(c.extra);
    }
    fs::remove(json);
}

TEST(FaultPrivileges, ExecActionsRunWithoutAShell)
{
    // Shell syntax in an exec= rule reaches the program as literal argv words: nothing is expanded, no second
    // command runs. (The rule's words are split on spaces only.)
    const fs::path dir = fs::temp_directory_path() / ("irqscope-fault-exec-" + std::to_string(getpid()));
    fs::create_directories(dir);
    const fs::path script = dir / "argv.sh", out = dir / "argv.txt", pwned = dir / "pwned";
    {
        std::ofstream s(script);
        s << "#!/bin/sh\nprintf '%s|' \"$@\" > \"$1\"\n";
    }
    fs::permissions(script, fs::perms::owner_all);
    const std::string rule = "1:exec=" + script.string() + " " + out.string() + " $(touch${IFS}" + pwned.string() +
                             ") ;touch " + pwned.string() + " `id`";
    // Device-raised with a fixed 5 us device delay: every completion is above the rule's 1 us on any machine.
    const auto r = runCli({"run", "--device", "sim", "--vectors", "msix:0", "--trigger", "device", "--sim-latency",
                           "fixed:5us", "--rate", "200", "--duration", "1s", "--no-live", "--on-threshold", rule});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    const auto argv = readAll(out);
    EXPECT_EQ(argv, out.string() + "|$(touch${IFS}" + pwned.string() + ")|;touch|" + pwned.string() + "|`id`|");
    EXPECT_FALSE(fs::exists(pwned)) << "a shell ran the rule";
    fs::remove_all(dir);
}

TEST(FaultPrivileges, JsonReportToADeviceOrPipeWritesIntoItAndKeepsIt)
{
    // As root, `--json /dev/null` used to rename /dev/null.tmp over /dev/null, replacing the device node with a
    // regular file. A FIFO stands in for the device here, so the test cannot break the machine it runs on.
    const fs::path dir = fs::temp_directory_path() / ("irqscope-fault-fifo-" + std::to_string(getpid()));
    fs::create_directories(dir);
    const fs::path fifo = dir / "report.json";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    const int reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
    ASSERT_GE(reader, 0);
    const auto err = irqscope::core::writeJsonFile(fifo.string(), nlohmann::json{{"type", "report"}});
    EXPECT_EQ(err, "");
    EXPECT_TRUE(fs::is_fifo(fifo)) << "the pipe was replaced by a file";
    EXPECT_FALSE(fs::exists(dir / "report.json.tmp"));
    std::array<char, 64> buf{};
    const ssize_t n = read(reader, buf.data(), buf.size() - 1);
    close(reader);
    EXPECT_GT(n, 0);
    EXPECT_EQ(std::string(buf.data()).rfind("{", 0), 0u);
    fs::remove_all(dir);
}

// What the metrics tests share: the built irqscope run as a child process, a scratch directory, scrapes, and
// waiting on conditions (never on the machine's speed).
#pragma once

#include <httplib.h>

#include <arpa/inet.h>
#include <array>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace irqscope::metrics_test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// How long a test waits for something it needs (a port served, counts reached, an exit): it stops waiting as soon
// as the condition holds, so this only bounds a broken build, never judges the machine's speed.
inline constexpr std::chrono::milliseconds kGenerous = 60s;

// Polls `condition` every 50 ms until it holds (true) or `timeout` passes (false).
template<class Condition>
inline bool eventually(Condition&& condition, std::chrono::milliseconds timeout = kGenerous)
{
    const auto giveUp = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= giveUp)
            return condition();
        std::this_thread::sleep_for(50ms);
    }
    return true;
}

inline std::string readFile(const fs::path& path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

inline std::optional<std::string> findProgram(const std::string& name)
{
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const fs::path candidate = fs::path(dir) / name;
        if (access(candidate.c_str(), X_OK) == 0)
            return candidate.string();
    }
    return std::nullopt;
}

// A child process with stdout and stderr in files; killed (SIGKILL) if still running when destroyed.
class Process
{
public:
    Process(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err)
        : m_out(out)
        , m_err(err)
    {
        m_pid = fork();
        if (m_pid == 0) {
            // The test's signal mask is inherited: clear it so SIGTERM reaches the child's sigtimedwait normally.
            sigset_t none;
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, nullptr);
            const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(o, STDOUT_FILENO);
            dup2(e, STDERR_FILENO);
            const int null = open("/dev/null", O_RDONLY);
            dup2(null, STDIN_FILENO);
            std::vector<char*> args;
            for (const auto& a : argv)
                args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            execv(args[0], args.data());
            _exit(127);
        }
    }
    ~Process()
    {
        if (m_pid > 0 && !m_status) {
            kill(m_pid, SIGKILL);
            waitpid(m_pid, nullptr, 0);
        }
    }
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    // Waits up to `timeout` for the exit; returns the exit code (128 + signal when killed), nullopt on timeout.
    std::optional<int> wait(std::chrono::milliseconds timeout)
    {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (!m_status) {
            int status = 0;
            if (waitpid(m_pid, &status, WNOHANG) == m_pid)
                m_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            else if (std::chrono::steady_clock::now() >= end)
                return std::nullopt;
            else
                std::this_thread::sleep_for(10ms);
        }
        return m_status;
    }
    bool running() { return !wait(0ms).has_value(); }
    pid_t pid() const { return m_pid; }
    void signal(int sig) { kill(m_pid, sig); }
    std::string out() const { return readFile(m_out); }
    std::string err() const { return readFile(m_err); }

    // Waits for irqscope's "serving metrics on http://HOST:PORT/metrics" (stderr for run, stdout for exporter).
    int metricsPort(std::chrono::milliseconds timeout)
    {
        static const std::regex kUrl(R"(https?://127\.0\.0\.1:(\d+)/metrics)");
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < end && running()) {
            std::smatch m;
            const std::string text = err() + out();
            if (std::regex_search(text, m, kUrl))
                return std::stoi(m[1]);
            std::this_thread::sleep_for(20ms);
        }
        return -1;
    }

private:
    pid_t m_pid = -1;
    std::optional<int> m_status;
    fs::path m_out, m_err;
};

class TempDir
{
public:
    TempDir()
    {
        std::string tmpl = (fs::temp_directory_path() / "irqscope-metrics-XXXXXX").string();
        m_path = mkdtemp(tmpl.data());
    }
    ~TempDir() { fs::remove_all(m_path); }
    const fs::path& path() const { return m_path; }

private:
    fs::path m_path;
};

inline std::vector<std::string> cli(std::initializer_list<std::string> args)
{
    std::vector<std::string> v{IRQSCOPE_CLI_PATH};
    v.insert(v.end(), args);
    return v;
}

inline std::string scrape(int port, std::string* contentType = nullptr)
{
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(5, 0);
    auto res = client.Get("/metrics");
    if (!res || res->status != 200)
        return {};
    if (contentType)
        *contentType = res->get_header_value("Content-Type");
    return res->body;
}

// The value of one sample line `name{labels} value` (labels given exactly as served), or NaN.
inline double sampleValue(const std::string& text, const std::string& series)
{
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos)
        return std::nan("");
    return std::stod(text.substr(at + series.size() + 2));
}

// A port nothing listens on right now (bound and released; Prometheus takes it a moment later).
inline int freePort()
{
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);
    return ntohs(a.sin_port);
}

inline int runCommand(const std::string& command, std::string& output)
{
    output.clear();
    FILE* p = popen((command + " 2>&1").c_str(), "r");
    std::array<char, 4096> buf{};
    while (size_t n = fread(buf.data(), 1, buf.size(), p))
        output.append(buf.data(), n);
    const int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace irqscope::metrics_test

// Running the irqscope CLI from a guest test: the binary the guest carries (or $IRQSCOPE_CLI), its exit status and
// what it printed. Shared by the CLI, igb and VF-token guest tests.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace irqscope::vmtest {

// The CLI the guest carries (/bin/irqscope), or $IRQSCOPE_CLI.
inline std::string cliPath()
{
    const char* env = std::getenv("IRQSCOPE_CLI");
    return env ? env : "/bin/irqscope";
}

#define IRQSCOPE_REQUIRE_CLI()                                                                                         \
    if (access(cliPath().c_str(), X_OK) != 0)                                                                          \
    GTEST_SKIP() << cliPath() << " is not here: run tests/vm/run-vm-tests.sh"

inline std::string slurpFile(const std::string& path)
{
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

struct CliResult
{
    int rc = -1;
    std::string out;
    std::string err;
};

// `irqscope ARGS`, its standard output and error kept in /tmp/STEM.out and /tmp/STEM.err.
inline CliResult runCli(const std::string& args, const std::string& stem = "vmcli")
{
    const std::string out = "/tmp/" + stem + ".out", err = "/tmp/" + stem + ".err";
    const std::string command = fmt::format("{} {} >{} 2>{}", cliPath(), args, out, err);
    const int status = std::system(command.c_str());
    CliResult r;
    r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurpFile(out);
    r.err = slurpFile(err);
    std::printf("CLI %s -> rc=%d %s", args.c_str(), r.rc, r.err.c_str());
    return r;
}

} // namespace irqscope::vmtest

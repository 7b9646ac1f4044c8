// Runs the irqscope CLI built beside the tests (IRQSCOPE_CLI_PATH) through a shell, stdout and stderr together:
// what the CLI tests assert on.
#pragma once

#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace irqscope::test {

struct CliResult
{
    int exitCode; // -1 when killed by a signal
    std::string output;
};

inline CliResult runCli(const std::string& args)
{
    const std::string command = std::string(IRQSCOPE_CLI_PATH) + " " + args + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    std::string out;
    std::array<char, 4096> buf;
    while (pipe && fgets(buf.data(), buf.size(), pipe))
        out += buf.data();
    const int status = pipe ? pclose(pipe) : -1;
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// Newlines in `s`: a one-line error is 1.
inline int lineCount(const std::string& s)
{
    int n = 0;
    for (char c : s)
        n += c == '\n';
    return n;
}

} // namespace irqscope::test

// One simulated run shared by the report, recording and cyclictest tests: every report format written live plus
// a recording, and helpers to run the CLI and read files.
#pragma once

#include "cli_process.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace report_test {

using irqscope::test::CliResult;
using irqscope::test::runCli;

inline std::string readFile(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline void writeFile(const std::filesystem::path& path, const std::string& bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

// The directory of the shared run: the run happens once per test process, and the directory goes at its exit.
class LiveRun
{
public:
    LiveRun()
        : m_dir(std::filesystem::temp_directory_path() / ("irqscope-report-test-" + std::to_string(getpid())))
    {
        std::filesystem::create_directories(m_dir);
        const std::string p = m_dir.string() + "/";
        const auto r =
            runCli("run --device sim --vectors msix:0-3 --rate 1500 --duration 2s --deadline 20ms --record " + p +
                   "run.irqrec --json " + p + "live.json --csv " + p + "live.csv --samples --html " + p +
                   "live.html --pdf " + p + "live.pdf --cyclictest --histogram 8 --histfile " + p +
                   "live.hist --cyclictest-json " + p + "live.ct.json > " + p + "stdout.txt");
        EXPECT_EQ(r.exitCode, 0) << r.output;
    }
    ~LiveRun()
    {
        std::error_code ec;
        std::filesystem::remove_all(m_dir, ec);
    }
    const std::filesystem::path& dir() const { return m_dir; }

private:
    std::filesystem::path m_dir;
};

inline const std::filesystem::path& liveRun()
{
    static const LiveRun run;
    return run.dir();
}

inline std::vector<std::string> lines(const std::string& text)
{
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        out.push_back(l);
    return out;
}

} // namespace report_test

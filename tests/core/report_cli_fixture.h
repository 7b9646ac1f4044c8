// One simulated run shared by the report, recording and cyclictest tests: every report format written live plus
// a recording, and helpers to run the CLI and read files. Its latencies come from the sim's latency model, not from
// the machine: the vectors are raised by the sim's register writes (--trigger device) after a device delay drawn
// from kSimLatency, so every measured latency is at least kSimLatencyMinUs on any machine (the machine's own
// wake-up path only adds to it). Tests may rely on that floor and on what the run itself measured, never on how
// fast the machine is.
#pragma once

#include "cli_process.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace report_test {

using irqscope::test::CliResult;
using irqscope::test::runCli;

// The shared run's device latency model, and the floor it puts under every latency the run measures.
inline constexpr const char* kSimLatency = "uniform:20us-60us";
inline constexpr int64_t kSimLatencyMinUs = 20;

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
// Its deadline is 2 s, not the run's 20 ms: a machine that stalls the simulated device past a short deadline (seen
// under ASan at load 20) turns that trigger into a miss, and its late signal is then the next trigger's
// completion, shorter than the device delay, so the floor the tests rely on would not hold.
class SharedReportRun
{
public:
    SharedReportRun()
        : m_dir(std::filesystem::temp_directory_path() / ("irqscope-report-test-" + std::to_string(getpid())))
    {
        std::filesystem::create_directories(m_dir);
        const std::string p = m_dir.string() + "/";
        const auto r = runCli("run --device sim --vectors msix:0-3 --trigger device --sim-latency " +
                              std::string(kSimLatency) + " --rate 1500 --duration 2s --deadline 2s --record " + p +
                              "run.irqrec --json " + p + "live.json --csv " + p + "live.csv --samples --html " + p +
                              "live.html --pdf " + p + "live.pdf --cyclictest --histogram 8 --histfile " + p +
                              "live.hist --cyclictest-json " + p + "live.ct.json > " + p + "stdout.txt");
        EXPECT_EQ(r.exitCode, 0) << r.output;
    }
    ~SharedReportRun()
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
    static const SharedReportRun run;
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

// Every completion's latency (ns) per vector, in the order the aggregator drained them (which is the order the
// report collector counts cycles in), from a --samples CSV. Only completions with a latency above 0: the ones the
// latency statistics and the histograms count.
inline std::map<std::string, std::vector<int64_t>> sampleLatencies(const std::filesystem::path& samplesCsv)
{
    std::map<std::string, std::vector<int64_t>> out;
    const auto rows = lines(readFile(samplesCsv));
    for (std::size_t i = 1; i < rows.size(); ++i) {
        // vector,kind,seq,trigger_ns,completion_ns,latency_ns,value,event (no quoted cells in these rows)
        std::vector<std::string> cells;
        std::istringstream in(rows[i]);
        for (std::string c; std::getline(in, c, ',');)
            cells.push_back(c);
        if (cells.size() < 6 || cells[1] != "completion")
            continue;
        if (const int64_t latency = std::stoll(cells[5]); latency > 0)
            out[cells[0]].push_back(latency);
    }
    return out;
}

} // namespace report_test

// `irqscope run --observe` end to end on a fake procfs tree (--proc-root): JSON Lines and the summary report,
// and the one-line errors for a device with nothing to observe, a bad address and active-only options.
#include "cli_process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

using irqscope::test::lineCount;
using irqscope::test::runCli;

namespace {

class TwoVectorProc
{
public:
    TwoVectorProc()
        : m_root(fs::temp_directory_path() / ("irqscope_observe_cli_" + std::to_string(getpid())))
    {
        fs::remove_all(m_root);
        fs::create_directories(m_root / "irq/24");
        std::ofstream(m_root / "interrupts")
            << "           CPU0       CPU1\n"
               " 24:         10          0   PCI-MSI 32768-edge      vfio-msix[0](0000:00:02.0)\n"
               " 25:          0          5   PCI-MSI 32769-edge      vfio-msix[1](0000:00:02.0)\n";
        std::ofstream(m_root / "irq/24/effective_affinity_list") << "0\n";
    }
    ~TwoVectorProc() { fs::remove_all(m_root); }
    std::string root() const { return m_root.string(); }

private:
    fs::path m_root;
};

} // namespace

TEST(ObserveCli, JsonLinesAndSummaryFromAFakeTree)
{
    // 50 intervals' time for the 2 records asked of it: the duration bounds how long a slow machine may take, it
    // does not say how many samples it gets. What the records say is checked against the run's own summary.
    TwoVectorProc p;
    const auto r = runCli("run --observe 00:02.0 --proc-root " + p.root() + " --interval 20ms --duration 1s");
    ASSERT_EQ(r.exitCode, 0) << r.output;
    std::istringstream in(r.output);
    std::string line;
    int intervals = 0;
    uint64_t lastGeneration = 0;
    nlohmann::json summary;
    while (std::getline(in, line)) {
        const auto j = nlohmann::json::parse(line);
        if (j["type"] == "interval") {
            ++intervals;
            EXPECT_EQ(j["observed"], true);
            EXPECT_GT(j["generation"].get<uint64_t>(), lastGeneration) << "each record a new sample";
            lastGeneration = j["generation"].get<uint64_t>();
        } else {
            summary = j;
        }
    }
    EXPECT_GE(intervals, 2);
    ASSERT_EQ(summary["type"], "summary") << r.output;
    EXPECT_EQ(summary["device"]["id"], "0000:00:02.0");
    ASSERT_EQ(summary["vectors"].size(), 2u);
    EXPECT_EQ(summary["vectors"][0]["host_irq"], 24);
    EXPECT_EQ(summary["vectors"][0]["host_cpu"], 0);
    EXPECT_EQ(summary["vectors"][0]["latency_ns"]["count"], 0);
    EXPECT_EQ(summary["vectors"][1]["name"], "msix:1");
    EXPECT_TRUE(summary["observer"]["owner"].is_null());
    EXPECT_GE(summary["observer"]["samples"].get<int>(), intervals + 1) << "every record's sample and the final one";
}

TEST(ObserveCli, NothingToObserveIsOneLine)
{
    TwoVectorProc p;
    const auto r = runCli("run --observe 0000:00:07.0 --proc-root " + p.root() + " --duration 1s");
    EXPECT_EQ(r.exitCode, 3) << r.output;
    EXPECT_EQ(lineCount(r.output), 1) << r.output;
    EXPECT_NE(r.output.find("has no vfio vector"), std::string::npos) << r.output;
}

TEST(ObserveCli, BadInputIsOneLine)
{
    for (const std::string args :
         {"run --observe nonsense", "run --observe 0000:00:02.0 --device sim", "run --observe 0000:00:02.0 --rate 5",
          "run --observe 0000:00:02.0 --interval 1ms", "run --proc-root /tmp"}) {
        const auto r = runCli(args);
        EXPECT_EQ(r.exitCode, 2) << args << ": " << r.output;
        EXPECT_EQ(lineCount(r.output), 1) << args << ": " << r.output;
    }
}

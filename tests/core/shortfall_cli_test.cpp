// A run whose firing thread is starved: the sim's trigger-stall fault blocks the first trigger call for 50 ms, so
// the trigger schedule falls about a hundred rounds behind whatever the machine's speed. The JSON report must say
// so per vector, and its books must add up exactly: requested == triggered + shortfall, shortfall == skipped +
// schedule_behind (docs/report-schema.md "Requested and shortfall").
#include "cli_process.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sched.h>
#include <string>
#include <unistd.h>
#include <vector>

using irqscope::test::runCli;

namespace {

std::vector<int> shortfallTestCpus()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> out;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
            if (CPU_ISSET(cpu, &set))
                out.push_back(cpu);
    return out;
}

void expectShortfallBooks(const std::string& firing)
{
    // One file per test and process: ctest runs the two tests side by side.
    const auto path = std::filesystem::temp_directory_path() /
                      fmt::format("irqscope-shortfall-{}-{}.json", firing.empty() ? "core" : "thread", ::getpid());
    // 2000 Hz per vector, two vectors: a round is 1 ms / 2, so a 50 ms stall is about 100 whole rounds behind.
    const auto r = runCli("run --device sim --vectors msix:0-1 --trigger loopback --rate 2000 --duration 1s " + firing +
                          " --sim-faults trigger-stall=50ms --no-live --json " + path.string());
    ASSERT_EQ(r.exitCode, 0) << r.output;
    std::ifstream in(path);
    const auto report = nlohmann::json::parse(in);
    const double duration = report["run"]["duration_s"].get<double>();
    ASSERT_EQ(report["vectors"].size(), 2u);
    for (const auto& v : report["vectors"]) {
        const uint64_t requested = v["requested"], triggered = v["triggered"], shortfall = v["shortfall"];
        const uint64_t skipped = v["skipped"], behind = v["schedule_behind"];
        EXPECT_EQ(requested, triggered + shortfall) << v["name"];
        EXPECT_EQ(shortfall, skipped + behind) << v["name"];
        // At least the stall's whole rounds but one (the round in progress when it began, and the one after).
        EXPECT_GE(behind, 98u) << v["name"];
        EXPECT_GT(triggered, 0u) << v["name"];
        // Owed: the rate times the time in the plan, which is within the run.
        EXPECT_LE(static_cast<double>(requested), 2000 * duration + 1) << v["name"];
    }
    EXPECT_EQ(report["totals"]["requested"].get<uint64_t>(),
              report["totals"]["triggered"].get<uint64_t>() + report["totals"]["shortfall"].get<uint64_t>());
    std::filesystem::remove(path);
}

} // namespace

TEST(ShortfallCli, AStalledCoreThreadShowsItsShortfallAndTheBooksAddUp)
{
    expectShortfallBooks("");
}

TEST(ShortfallCli, AStalledTriggerThreadShowsItsShortfallAndTheBooksAddUp)
{
    const auto cpus = shortfallTestCpus();
    if (cpus.size() < 2)
        GTEST_SKIP() << "needs two CPUs for a trigger thread (--trigger-cpu)";
    expectShortfallBooks("--cpu " + std::to_string(cpus[0]) + " --trigger-cpu " + std::to_string(cpus[1]));
}

// The stop line of `irqscope run` on a terminal (app/cli/final_output.cpp): it names every file the run wrote, not
// only --json's (a run with --html and --json said "report written to r.json" and nothing of the HTML).
#include "final_output.h"
#include "report_outputs.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using irqscope::cli::FinalOutput;
using irqscope::cli::writeFinalOutput;

namespace {

// What writeFinalOutput prints on stdout, captured through a file put in stdout's place.
std::string stopLineOf(const FinalOutput& out)
{
    const auto path = std::filesystem::temp_directory_path() / "irqscope-final-output-stdout.txt";
    std::fflush(stdout);
    const int saved = dup(STDOUT_FILENO);
    FILE* file = std::fopen(path.c_str(), "w");
    dup2(fileno(file), STDOUT_FILENO);
    writeFinalOutput(nlohmann::json::object(), out, 0);
    std::fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    std::fclose(file);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

FinalOutput finalOutputOf(std::string jsonPath, std::vector<std::string> others)
{
    FinalOutput out;
    out.jsonPath = std::move(jsonPath);
    out.otherFiles = std::move(others);
    out.stopReason = "duration elapsed";
    out.outcome = "every vector disarmed";
    return out;
}

} // namespace

TEST(CliFinalOutput, StopLineNamesEveryFileTheRunWrote)
{
    const auto json = (std::filesystem::temp_directory_path() / "irqscope-final-output.json").string();
    EXPECT_EQ(stopLineOf(finalOutputOf(json, {"r.html", "r.csv"})),
              "stopped: duration elapsed; every vector disarmed; reports written to " + json + ", r.html, r.csv\n");
    EXPECT_EQ(stopLineOf(finalOutputOf("", {"r.html"})),
              "stopped: duration elapsed; every vector disarmed; report written to r.html\n");
    EXPECT_EQ(stopLineOf(finalOutputOf("", {})), "stopped: duration elapsed; every vector disarmed\n");
}

TEST(CliFinalOutput, ReportOptionsListTheFilesTheyWriteNotStdout)
{
    irqscope::cli::ReportOutputs o;
    o.csv = "r.csv";
    o.samples = true;
    o.html = "r.html";
    o.cyclictestJson = "-";
    EXPECT_EQ(o.files(), (std::vector<std::string>{"r.csv", "r.html", "r.samples.csv"}));
}

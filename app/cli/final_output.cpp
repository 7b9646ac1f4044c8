#include "final_output.h"

#include "exit_codes.h"
#include "report/json_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>

namespace irqscope::cli {

int writeFinalOutput(const nlohmann::json& report, const FinalOutput& out, int code)
{
    if (!out.jsonPath.empty()) {
        if (auto err = core::writeJsonFile(out.jsonPath, report); !err.empty()) {
            std::fprintf(stderr, "irqscope: error: %s\n", err.c_str());
            code = kExitFailure;
        }
    }
    if (out.jsonLines) {
        auto summary = report;
        summary["type"] = "summary";
        std::fputs((summary.dump() + "\n").c_str(), stdout);
    } else {
        std::fputs(out.table.c_str(), stdout);
        std::vector<std::string> files = out.otherFiles;
        if (!out.jsonPath.empty())
            files.insert(files.begin(), out.jsonPath);
        const std::string written =
            files.empty()
                ? std::string()
                : fmt::format("; {} written to {}", files.size() == 1 ? "report" : "reports", fmt::join(files, ", "));
        std::printf("stopped: %s; %s%s\n", out.stopReason.c_str(), out.outcome.c_str(), written.c_str());
    }
    std::fflush(stdout);
    return code;
}

} // namespace irqscope::cli

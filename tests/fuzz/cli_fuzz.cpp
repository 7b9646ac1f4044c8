// Fuzzes command-line parsing: the value parsers of core/util and core/sim (durations, vector lists, sim latency
// and faults), --on-threshold rules, and irqscope's whole CLI11 command tree, parsed in-process exactly as main()
// builds it, followed by the checks `run` makes before it touches a device. Nothing is executed: parsing has no
// side effects beyond reading the file system (--threshold-dir must be a directory).
//
// Input: the first byte picks the parser, the rest is its text; for the command tree, one argument per line.
// Invariants: no crash, no sanitizer report, no exception other than CLI11's parse errors; every error is one
// line; what parses prints back to something that parses to the same value.
#include "cli_support.h"
#include "fuzz_check.h"
#include "observe_command.h"
#include "replay_command.h"
#include "report_command.h"
#include "run_command.h"

#include "base/duration.h"
#include "base/vector_spec.h"
#include "engine/engine_config.h"
#include "record/threshold_rule.h"
#include "sim/sim_config.h"
#include "vfio/vf_token.h"

#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace irqscope::core;
namespace cli = irqscope::cli;
using irqscope::fuzz::oneLine;

namespace {

bool sameRanges(const std::vector<VectorRange>& a, const std::vector<VectorRange>& b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].index != b[i].index || a[i].start != b[i].start || a[i].count != b[i].count)
            return false;
    }
    return true;
}

void fuzzDuration(std::string_view text)
{
    std::string error;
    const auto d = parseDuration(text, error);
    if (!d) {
        FUZZ_CHECK(oneLine(error), "duration error \"%s\"", error.c_str());
        return;
    }
    FUZZ_CHECK(d->count() >= 0, "negative duration %lld from \"%.*s\"", (long long)d->count(), (int)text.size(),
               text.data());
    FUZZ_CHECK(!formatDuration(*d).empty(), "empty formatDuration");
    (void)formatLatencyNs(static_cast<double>(d->count()));
}

void fuzzVectorSpec(std::string_view text)
{
    std::string error;
    const auto ranges = parseVectorSpec(text, error);
    if (!ranges) {
        FUZZ_CHECK(oneLine(error), "vector spec error \"%s\"", error.c_str());
        return;
    }
    for (const auto& r : *ranges)
        FUZZ_CHECK(r.all() || r.start + uint64_t{r.count} <= uint64_t{UINT32_MAX} + 1, "range overflows");
    const std::string printed = formatVectorSpec(*ranges);
    std::string again;
    const auto reparsed = parseVectorSpec(printed, again);
    FUZZ_CHECK(reparsed && sameRanges(*reparsed, *ranges), "\"%s\" printed back as \"%s\" parses differently (%s)",
               std::string(text).c_str(), printed.c_str(), again.c_str());
}

void fuzzSimOptions(std::string_view text)
{
    std::string error;
    if (const auto latency = parseLatencyDistribution(text, error); !latency)
        FUZZ_CHECK(oneLine(error), "latency error \"%s\"", error.c_str());
    else
        FUZZ_CHECK(latency->a >= 0 && latency->b >= 0, "negative latency parameter");
    error.clear();
    if (const auto faults = parseSimFaults(text, error); !faults) {
        FUZZ_CHECK(oneLine(error), "faults error \"%s\"", error.c_str());
    } else {
        FUZZ_CHECK(faults->dropProbability >= 0 && faults->dropProbability <= 1, "drop probability %g",
                   faults->dropProbability);
        FUZZ_CHECK(faults->delayProbability >= 0 && faults->delayProbability <= 1, "delay probability %g",
                   faults->delayProbability);
        FUZZ_CHECK(faults->spuriousRateHz >= 0, "spurious rate %g", faults->spuriousRateHz);
    }
    (void)parseSimKernel(text);
    (void)parseTriggerMode(text);
}

void fuzzThreshold(std::string_view text)
{
    std::string error;
    const auto rule = parseThresholdRule(text, error);
    if (!rule) {
        FUZZ_CHECK(oneLine(error), "threshold error \"%s\"", error.c_str());
        return;
    }
    FUZZ_CHECK(rule->thresholdNs >= 0, "negative threshold");
    FUZZ_CHECK(rule->action != ThresholdAction::Exec || !rule->argv.empty(), "exec with no command");
}

// main()'s command tree, then runMeasurement's checks up to opening the device.
void fuzzCommandLine(std::string_view text)
{
    std::vector<std::string> args{"irqscope"};
    std::size_t begin = 0;
    while (begin <= text.size() && args.size() < 64) {
        const std::size_t end = std::min(text.find('\n', begin), text.size());
        args.emplace_back(text.substr(begin, end - begin));
        begin = end + 1;
    }
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());

    CLI::App app{"irqscope"};
    app.set_version_flag("-V,--version", std::string("irqscope"));
    app.require_subcommand(1);
    auto* list = app.add_subcommand("list", "List");
    bool listJson = false;
    list->add_flag("--json", listJson, "Print JSON");
    std::string listSysfsRoot = "/sys";
    list->add_option("--sysfs-root", listSysfsRoot, "sysfs tree to read");
    cli::RunOptions run;
    cli::addRunCommand(app, run);
    cli::ObserveOptions observe;
    cli::addObserveOptions(app, observe);
    cli::ReportCommandOptions report;
    cli::addReportCommand(app, report);
    cli::ReplayOptions replay;
    cli::addReplayCommand(app, replay);
    if (cli::strayEmptyArgument(app, static_cast<int>(argv.size()), argv.data()))
        return; // main() refuses it: CLI11 2.1 would never return from parse()
    try {
        app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::Error& e) {
        // Help, version and every parse error end here; main() prints e.what() on one line.
        return;
    }
    if (!app.get_subcommand("run")->parsed())
        return;
    // What CLI11's checks guarantee, runMeasurement dereferences without a test.
    FUZZ_CHECK(parseTriggerMode(run.trigger).has_value(), "--trigger '%s' passed the CLI check", run.trigger.c_str());
    FUZZ_CHECK(parseSimKernel(run.target.simKernel).has_value(), "--sim-kernel '%s' passed the CLI check",
               run.target.simKernel.c_str());
    fuzzVectorSpec(run.target.vectors);
    fuzzDuration(run.duration);
    fuzzDuration(run.deadline);
    fuzzDuration(run.interval);
    fuzzSimOptions(run.simLatency);
    fuzzSimOptions(run.target.simFaults);
    // --vf-token: refused in one line unless it is a canonical UUID for a PCI device (docs/kernel-vfio-irq.md §1.8).
    const std::string tokenErr = cli::checkVfTokenOption(run.target);
    FUZZ_CHECK(tokenErr.empty() || oneLine(tokenErr), "--vf-token error \"%s\"", tokenErr.c_str());
    FUZZ_CHECK(!tokenErr.empty() || run.target.vfToken.empty() || isCanonicalUuid(run.target.vfToken),
               "--vf-token '%s' passed the check", run.target.vfToken.c_str());
    cli::RunReports reports(run.reports);
    const std::string err = reports.validate();
    FUZZ_CHECK(err.empty() || oneLine(err), "report options error \"%s\"", err.c_str());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0)
        return 0;
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 5) {
    case 0:
        fuzzDuration(text);
        break;
    case 1:
        fuzzVectorSpec(text);
        break;
    case 2:
        fuzzSimOptions(text);
        break;
    case 3:
        fuzzThreshold(text);
        break;
    default:
        fuzzCommandLine(text);
        break;
    }
    return 0;
}

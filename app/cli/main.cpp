// irqscope: the headless CLI. Thin: parses the command line and hands over to the subcommands.
#include "cli_support.h"
#include "exit_codes.h"
#include "exporter_command.h"
#include "list_command.h"
#include "observe_command.h"
#include "replay_command.h"
#include "report_command.h"
#include "run_command.h"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char** argv)
{
    using namespace irqscope::cli;
    // SIGINT and SIGTERM are taken synchronously (sigtimedwait) by the main thread: block them before any thread
    // starts so that every thread inherits the block and a signal always ends in a clean stop that disarms.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    CLI::App app{"irqscope: interrupt latency monitor for VFIO passthrough devices"};
    app.set_version_flag("-V,--version", std::string("irqscope ") + IRQSCOPE_VERSION);
    app.require_subcommand(1);
    auto* list = app.add_subcommand("list", "List the devices irqscope can measure (sim and vfio-pci devices)");
    bool listJson = false;
    list->add_flag("--json", listJson, "Print JSON");
    std::string listSysfsRoot = "/sys";
    list->add_option("--sysfs-root", listSysfsRoot, "sysfs tree to read (a recorded or fake tree; opens nothing)")
        ->capture_default_str();
    RunOptions runOptions;
    addRunCommand(app, runOptions);
    ObserveOptions observeOptions;
    addObserveOptions(app, observeOptions);
    ReportCommandOptions reportOptions;
    auto* report = addReportCommand(app, reportOptions);
    ReplayOptions replayOptions;
    auto* replay = addReplayCommand(app, replayOptions);
    ExporterOptions exporterOptions;
    auto* exporter = addExporterCommand(app, exporterOptions);
    for (int i = 0; i < argc; ++i)
        runOptions.commandLine += (i ? " " : "") + std::string(argv[i]);

    if (const int stray = strayEmptyArgument(app, argc, argv))
        return fail(kExitUsage, "argument " + std::to_string(stray) +
                                    " is empty: remove it, or put it right after the option it is the value of");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "irqscope: error: %s (see `irqscope --help`)\n", e.what());
        return kExitUsage;
    }
    try {
        if (*list)
            return listDevices(listJson, listSysfsRoot);
        if (app.get_subcommand("run")->count("--observe"))
            return runObserve(observeOptions, runOptions);
        if (*report)
            return renderRecording(reportOptions);
        if (*replay)
            return replayRecording(replayOptions);
        if (*exporter)
            return runExporter(exporterOptions);
        return runMeasurement(runOptions);
    } catch (const std::exception& e) {
        // Last line of defence: one line, never a stack trace. Engines disarm in their destructors.
        std::fprintf(stderr, "irqscope: error: %s\n", e.what());
        return kExitFailure;
    }
}

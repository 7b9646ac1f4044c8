#include "cli_support.h"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <sys/ioctl.h>
#include <unistd.h>

namespace irqscope::cli {

int strayEmptyArgument(const CLI::App& app, int argc, const char* const* argv)
{
    const CLI::App* scope = &app; // the subcommand the arguments belong to so far
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (!arg.empty()) {
            if (arg[0] != '-') {
                try {
                    if (const CLI::App* sub = scope->get_subcommand(arg); !sub->get_name().empty())
                        scope = sub;
                } catch (const CLI::OptionNotFound&) {
                    // a value or a positional, not a subcommand
                }
            }
            continue;
        }
        const std::string previous = i > 1 ? argv[i - 1] : "";
        if (previous.size() < 2 || previous[0] != '-' || previous.find('=') != std::string::npos)
            return i;
        const CLI::Option* option = scope->get_option_no_throw(previous);
        if (!option && scope != &app)
            option = app.get_option_no_throw(previous);
        // A flag expects no value (CLI11 2.1 gives a bool flag type_size_max 1, so ask for expected_max).
        if (!option || option->get_expected_max() == 0) // unknown, or a flag: the empty argument stands alone
            return i;
    }
    return 0;
}

int fail(int code, const std::string& message)
{
    std::fprintf(stderr, "irqscope: error: %s\n", message.c_str());
    return code;
}

int terminalRows()
{
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 8)
        return ws.ws_row;
    return 40;
}

int waitForStopSignal(int64_t timeoutNs)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    timespec ts{static_cast<time_t>(timeoutNs / 1'000'000'000), static_cast<long>(timeoutNs % 1'000'000'000)};
    const int sig = sigtimedwait(&set, nullptr, &ts);
    return sig > 0 ? sig : 0;
}

} // namespace irqscope::cli

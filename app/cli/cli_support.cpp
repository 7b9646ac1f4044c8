#include "cli_support.h"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <sys/ioctl.h>
#include <unistd.h>

namespace irqscope::cli {

namespace {

// The option `arg` names in `scope` (or, inside a subcommand, the main app), nullptr when none.
const CLI::Option* optionNamed(const CLI::App& app, const CLI::App* scope, const std::string& arg)
{
    const CLI::Option* option = scope->get_option_no_throw(arg);
    if (!option && scope != &app)
        option = app.get_option_no_throw(arg);
    return option;
}

// An option written without "=VALUE" that takes a value (CLI11 2.1 gives a bool flag type_size_max 1, so ask
// for expected_max).
bool takesValue(const CLI::Option* option, const std::string& arg)
{
    return option && option->get_expected_max() != 0 && arg.find('=') == std::string::npos;
}

} // namespace

int strayEmptyArgument(const CLI::App& app, int argc, const char* const* argv)
{
    const CLI::App* scope = &app; // the subcommand the arguments belong to so far
    bool wantsValue = false;      // the argument before takes a value
    bool valueMissing = false;    // some option that takes a value was followed by another option instead
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.empty()) {
            // Only the value of the option right before it, and only while every earlier option got its value:
            // CLI11 2.1 also hangs on `-v --rate '' --mlock` (-v's value missing), found by tests/fuzz cli.
            if (!wantsValue || valueMissing)
                return i;
            wantsValue = false;
            continue;
        }
        if (arg[0] == '-' && arg.size() >= 2) {
            valueMissing = valueMissing || wantsValue;
            wantsValue = takesValue(optionNamed(app, scope, arg.substr(0, arg.find('='))), arg);
            continue;
        }
        if (!wantsValue) {
            try {
                if (const CLI::App* sub = scope->get_subcommand(arg); !sub->get_name().empty())
                    scope = sub;
            } catch (const CLI::OptionNotFound&) {
                // a positional, not a subcommand
            }
        }
        wantsValue = false;
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

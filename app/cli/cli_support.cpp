#include "cli_support.h"

#include <csignal>
#include <cstdio>
#include <ctime>
#include <sys/ioctl.h>
#include <unistd.h>

namespace irqscope::cli {

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

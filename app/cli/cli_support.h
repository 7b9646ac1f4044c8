// What every irqscope subcommand shares: the one-line error, the terminal height, and waiting for SIGINT/SIGTERM
// (blocked in every thread by main(), so a signal always ends in a clean, disarming stop).
#pragma once

#include <cstdint>
#include <string>

namespace irqscope::cli {

// Prints "irqscope: error: MESSAGE" on stderr and returns `code`.
int fail(int code, const std::string& message);

// Rows of the terminal on stdout (40 when unknown).
int terminalRows();

// Waits up to `timeoutNs` for SIGINT or SIGTERM; returns the signal, or 0 on timeout.
int waitForStopSignal(int64_t timeoutNs);

} // namespace irqscope::cli

// What every irqscope subcommand shares: the one-line error, the terminal height, and waiting for SIGINT/SIGTERM
// (blocked in every thread by main(), so a signal always ends in a clean, disarming stop).
#pragma once

#include <cstdint>
#include <string>

namespace CLI {
class App;
} // namespace CLI

namespace irqscope::cli {

// Prints "irqscope: error: MESSAGE" on stderr and returns `code`.
int fail(int code, const std::string& message);

// CLI11 2.1 (Debian 12) never returns from parse() when an empty argument stands where a positional would go
// in a subcommand with option groups (`irqscope run ""`), or follows an option whose own value is missing
// (`irqscope run -v --rate "" --mlock`); both found by tests/fuzz cli. Returns the index in argv of the first
// empty argument that is not the value of the option right before it, or that comes after an option left without
// its value (`--json ""` alone is fine), 0 if none; main() refuses such a command line before parsing it.
int strayEmptyArgument(const CLI::App& app, int argc, const char* const* argv);

// Rows of the terminal on stdout (40 when unknown).
int terminalRows();

// Waits up to `timeoutNs` for SIGINT or SIGTERM; returns the signal, or 0 on timeout.
int waitForStopSignal(int64_t timeoutNs);

} // namespace irqscope::cli

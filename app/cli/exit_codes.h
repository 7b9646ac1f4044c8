// The irqscope CLI's exit codes (documented in README.md and irqscope(1)).
#pragma once

namespace irqscope::cli {

inline constexpr int kExitOk = 0;         // the run completed; reports written
inline constexpr int kExitFailure = 1;    // the measurement could not run or a report could not be written
inline constexpr int kExitUsage = 2;      // bad command line or bad input (vector out of range, bad duration...)
inline constexpr int kExitDevice = 3;     // the device could not be opened or armed
inline constexpr int kExitUnbalanced = 4; // --check-accounting: some vector's counts did not add up
inline constexpr int kExitHostTook = 5;   // the host asked for the device back (VFIO REQ) or it went away mid-run:
                                          // vectors disarmed, partial reports written
inline constexpr int kExitSigint = 130;   // stopped by SIGINT: vectors disarmed, reports written
inline constexpr int kExitSigterm = 143;  // stopped by SIGTERM: vectors disarmed, reports written

} // namespace irqscope::cli

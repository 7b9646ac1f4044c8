// Waiting for what a test needs instead of sleeping for a time the machine decides: a fixed sleep assumes how much
// a thread gets done in it (a rate, a count reached), which a loaded 2-core machine does not promise. waitUntil
// polls a condition until it holds or a generous timeout passes; it returns as soon as the condition holds, so
// the timeout costs nothing on a fast machine and only bounds how long a broken build hangs.
#pragma once

#include <chrono>
#include <thread>

namespace irqscope::test {

// Long enough that only a broken build (or a machine stalled for a minute) reaches it.
inline constexpr std::chrono::milliseconds kGenerousTimeout{60'000};

// Polls `condition` every `poll` until it is true (returns true) or `timeout` passes (returns false).
template<class Condition>
bool waitUntil(Condition&& condition, std::chrono::milliseconds timeout = kGenerousTimeout,
               std::chrono::microseconds poll = std::chrono::microseconds(200))
{
    const auto giveUp = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > giveUp)
            return condition();
        std::this_thread::sleep_for(poll);
    }
    return true;
}

} // namespace irqscope::test

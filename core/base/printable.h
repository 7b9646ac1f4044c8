// printable(): the user's text as it goes inside a one-line error message. Control characters (a newline typed
// into an argument, a NUL in a file) become \xNN and very long text is cut, so the message stays one line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace irqscope::core {

inline constexpr std::size_t kPrintableMax = 200; // characters of the user's text kept in a message

std::string printable(std::string_view text);

} // namespace irqscope::core

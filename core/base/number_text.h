// Strict whole-string decimal parsing for numbers read from files and options.
#pragma once

#include <charconv>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string_view>

namespace irqscope::core {

// The whole of `text` as a decimal T: nullopt when it is empty, has anything but digits (and a leading '-' where
// T is signed), or is out of T's range. No whitespace, no '+', no base prefix.
template<std::integral T>
std::optional<T> parseInteger(std::string_view text)
{
    if (text.empty())
        return std::nullopt;
    T value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

inline std::optional<uint64_t> parseUnsigned(std::string_view text)
{
    return parseInteger<uint64_t>(text);
}

} // namespace irqscope::core

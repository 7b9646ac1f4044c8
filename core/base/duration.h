// Durations on the command line: "10s", "500ms", "250us", "100ns", "2m", "1h"; a bare number means seconds.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace irqscope::core {

std::optional<std::chrono::nanoseconds> parseDuration(std::string_view text, std::string& error);
std::string formatDuration(std::chrono::nanoseconds d); // "1.5 s", "250 µs"
std::string formatLatencyNs(double ns);                 // compact: "812 ns", "12.4 µs", "3.10 ms"

} // namespace irqscope::core

// Reading small text files (sysfs, procfs, pci.ids, profiles) whole or by their first line.
#pragma once

#include "base/number_text.h"

#include <optional>
#include <string>

namespace irqscope::core {

// The first line without its newline; nullopt when the file cannot be opened. An empty file gives "".
std::optional<std::string> readFirstLine(const std::string& path);

// The whole content, byte for byte; nullopt when the file cannot be opened.
std::optional<std::string> readWholeFile(const std::string& path);

// The first line as a decimal T (parseInteger: the whole line, nothing around it); nullopt when the file cannot be
// opened or the line is not such a number. For one-number files: /proc/sys/kernel/sched_rt_runtime_us, ...
template<std::integral T>
std::optional<T> readInteger(const std::string& path)
{
    const auto line = readFirstLine(path);
    return line ? parseInteger<T>(*line) : std::nullopt;
}

} // namespace irqscope::core

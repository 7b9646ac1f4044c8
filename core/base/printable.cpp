#include "base/printable.h"

#include <fmt/format.h>

namespace irqscope::core {

std::string printable(std::string_view text)
{
    std::string out;
    const std::string_view kept = text.substr(0, kPrintableMax);
    out.reserve(kept.size());
    for (const char c : kept) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f)
            out += fmt::format("\\x{:02x}", u);
        else
            out += c; // UTF-8 bytes pass through: "µs" stays readable
    }
    if (kept.size() < text.size())
        out += "...";
    return out;
}

} // namespace irqscope::core

#include "base/vector_spec.h"

#include "base/number_text.h"
#include "base/printable.h"
#include <fmt/format.h>

namespace irqscope::core {

namespace {

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

} // namespace

std::optional<IrqIndex> parseIrqIndex(std::string_view text)
{
    for (IrqIndex i : {IrqIndex::Intx, IrqIndex::Msi, IrqIndex::Msix, IrqIndex::Err, IrqIndex::Req}) {
        if (text == irqIndexName(i))
            return i;
    }
    return std::nullopt;
}

std::optional<std::vector<VectorRange>> parseVectorSpec(std::string_view text, std::string& error)
{
    std::vector<VectorRange> out;
    if (trim(text).empty()) {
        error = "--vectors is empty: give e.g. msix:0-7,intx:0";
        return std::nullopt;
    }
    while (!text.empty()) {
        const auto comma = text.find(',');
        const std::string_view item = trim(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        const auto colon = item.find(':');
        const std::string_view indexText = item.substr(0, colon);
        const auto index = parseIrqIndex(indexText);
        if (!index) {
            error = fmt::format("unknown interrupt index '{}' in --vectors: use intx, msi, msix, err or req (e.g. "
                                "msix:0-7)",
                                printable(indexText));
            return std::nullopt;
        }
        VectorRange range;
        range.index = *index;
        if (colon == std::string_view::npos) {
            out.push_back(range);
            continue;
        }
        const std::string_view rangeText = item.substr(colon + 1);
        const auto dash = rangeText.find('-');
        const auto first = parseInteger<uint32_t>(rangeText.substr(0, dash));
        const auto last = dash == std::string_view::npos ? first : parseInteger<uint32_t>(rangeText.substr(dash + 1));
        if (!first || !last) {
            error = fmt::format("bad vector range '{}' in --vectors: use N or N-M, e.g. {}:0-7", printable(item),
                                printable(indexText));
            return std::nullopt;
        }
        if (*last < *first) {
            error = fmt::format("bad vector range '{}' in --vectors: the end is below the start", printable(item));
            return std::nullopt;
        }
        range.start = *first;
        range.count = *last - *first + 1;
        out.push_back(range);
    }
    return out;
}

std::string formatVectorSpec(const std::vector<VectorRange>& ranges)
{
    std::string out;
    for (const auto& r : ranges) {
        if (!out.empty())
            out += ',';
        out += irqIndexName(r.index);
        if (r.all())
            continue;
        out += fmt::format(":{}", r.start);
        if (r.count > 1)
            out += fmt::format("-{}", r.start + r.count - 1);
    }
    return out;
}

} // namespace irqscope::core

// ThresholdRule parsing: vector prefix, microsecond threshold and action.
#include "record/threshold_rule.h"

#include "base/printable.h"
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <sstream>

namespace irqscope::core {

std::optional<ThresholdRule> parseThresholdRule(std::string_view text, std::string& error)
{
    ThresholdRule rule;
    rule.text = std::string(text);
    const auto bad = [&](const std::string& why) -> std::optional<ThresholdRule> {
        error =
            fmt::format("--on-threshold '{}': {} (expected [VECTORS@]US:snapshot|stop|exec=CMD)", printable(text), why);
        return std::nullopt;
    };
    std::string_view rest = text;
    if (const auto at = rest.find('@'); at != std::string_view::npos) {
        std::string vecError;
        const auto ranges = parseVectorSpec(rest.substr(0, at), vecError);
        if (!ranges)
            return bad(vecError);
        rule.vectors = *ranges;
        rest.remove_prefix(at + 1);
    }
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos)
        return bad("no ':' between the threshold and the action");
    const std::string number(rest.substr(0, colon));
    double us = 0;
    try {
        std::size_t used = 0;
        us = std::stod(number, &used);
        if (used != number.size())
            return bad(fmt::format("'{}' is not a number of microseconds", printable(number)));
    } catch (const std::exception&) {
        return bad(fmt::format("'{}' is not a number of microseconds", printable(number)));
    }
    if (!(us > 0) || us > 10e6)
        return bad("the threshold must be above 0 and at most 10000000 µs");
    rule.thresholdNs = std::llround(us * 1000.0);
    const std::string_view action = rest.substr(colon + 1);
    if (action == "snapshot") {
        rule.action = ThresholdAction::Snapshot;
    } else if (action == "stop") {
        rule.action = ThresholdAction::Stop;
    } else if (action.rfind("exec=", 0) == 0) {
        rule.action = ThresholdAction::Exec;
        std::istringstream words{std::string(action.substr(5))};
        for (std::string w; words >> w;)
            rule.argv.push_back(w);
        if (rule.argv.empty())
            return bad("exec= needs a command");
    } else {
        return bad(fmt::format("unknown action '{}'", printable(action)));
    }
    return rule;
}

} // namespace irqscope::core

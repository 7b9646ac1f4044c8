#include "sim/sim_config.h"

#include "util/duration.h"

#include <fmt/format.h>

#include <cstdlib>

namespace irqscope::core {

std::optional<SimKernel> parseSimKernel(std::string_view text)
{
    if (text == "6.1")
        return SimKernel::Linux6_1;
    if (text == "6.12")
        return SimKernel::Linux6_12;
    return std::nullopt;
}

std::string_view simKernelName(SimKernel kernel)
{
    return kernel == SimKernel::Linux6_1 ? "6.1" : "6.12";
}

namespace {

std::optional<double> durationNs(std::string_view text, std::string& error)
{
    auto d = parseDuration(text, error);
    if (!d)
        return std::nullopt;
    return static_cast<double>(d->count());
}

std::optional<double> number(std::string_view text)
{
    const std::string s(text);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0')
        return std::nullopt;
    return v;
}

} // namespace

std::optional<LatencyDistribution> parseLatencyDistribution(std::string_view text, std::string& error)
{
    LatencyDistribution d;
    const auto colon = text.find(':');
    const std::string_view kind = text.substr(0, colon);
    const std::string_view args = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
    const auto bad = [&] {
        error = fmt::format("bad latency distribution '{}': use none, fixed:5us, uniform:2us-10us, normal:10us,2us, "
                            "lognormal:8us,0.5 or exp:20us",
                            text);
        return std::nullopt;
    };
    std::string ignored;
    if (kind == "none" && args.empty())
        return d;
    if (kind == "fixed" || kind == "exp") {
        auto a = durationNs(args, ignored);
        if (!a)
            return bad();
        d.kind = kind == "fixed" ? LatencyDistribution::Kind::Fixed : LatencyDistribution::Kind::Exponential;
        d.a = *a;
        return d;
    }
    const char separator = kind == "uniform" ? '-' : ',';
    const auto sep = args.find(separator);
    if ((kind != "uniform" && kind != "normal" && kind != "lognormal") || sep == std::string_view::npos)
        return bad();
    auto a = durationNs(args.substr(0, sep), ignored);
    auto b = kind == "lognormal" ? number(args.substr(sep + 1)) : durationNs(args.substr(sep + 1), ignored);
    if (!a || !b || *b < 0 || (kind == "uniform" && *b < *a))
        return bad();
    d.kind = kind == "uniform"  ? LatencyDistribution::Kind::Uniform
             : kind == "normal" ? LatencyDistribution::Kind::Normal
                                : LatencyDistribution::Kind::LogNormal;
    d.a = *a;
    d.b = *b;
    return d;
}

std::optional<SimFaults> parseSimFaults(std::string_view text, std::string& error)
{
    SimFaults f;
    const auto probability = [](std::string_view s) -> std::optional<double> {
        auto v = number(s);
        if (!v || *v < 0 || *v > 1)
            return std::nullopt;
        return v;
    };
    while (!text.empty()) {
        const auto comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        const auto eq = item.find('=');
        const std::string_view key = item.substr(0, eq);
        const std::string_view value = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
        bool ok = true;
        if (key == "drop") {
            auto p = probability(value);
            ok = p.has_value();
            f.dropProbability = p.value_or(0);
        } else if (key == "delay") {
            const auto at = value.find('@');
            auto p = probability(value.substr(0, at));
            std::string ignored;
            auto d = at == std::string_view::npos ? std::nullopt : parseDuration(value.substr(at + 1), ignored);
            ok = p && d;
            f.delayProbability = p.value_or(0);
            f.delayNs = d ? static_cast<uint64_t>(d->count()) : 0;
        } else if (key == "spurious") {
            auto v = number(value);
            ok = v && *v >= 0;
            f.spuriousRateHz = v.value_or(0);
        } else if (key == "stuck-mask") {
            std::string_view list = value;
            ok = !list.empty();
            while (ok && !list.empty()) {
                const auto plus = list.find('+');
                f.stuckMask.emplace_back(list.substr(0, plus));
                list = plus == std::string_view::npos ? std::string_view{} : list.substr(plus + 1);
            }
        } else if (key == "seed") {
            auto v = number(value);
            ok = v && *v >= 0;
            f.seed = static_cast<uint64_t>(v.value_or(1));
        } else {
            ok = false;
        }
        if (!ok) {
            error = fmt::format("bad fault '{}': use drop=P, delay=P@DURATION, spurious=HZ, "
                                "stuck-mask=intx:0+msix:3 or seed=N (P between 0 and 1)",
                                item);
            return std::nullopt;
        }
    }
    return f;
}

} // namespace irqscope::core

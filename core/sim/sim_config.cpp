// Parsers for the simulated device's options: kernel model, device latency distribution and injected faults.
#include "sim/sim_config.h"

#include "base/number_text.h"
#include "base/printable.h"
#include "base/vector_spec.h"
#include "vfio/vfio_uapi.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace irqscope::core {

namespace {

constexpr std::string_view kDistributionHelp =
    "use none, fixed:5us, uniform:2us-10us, normal:10us,2us, lognormal:8us,0.5 or exp:20us";
constexpr std::string_view kFaultHelp = "use drop=P, delay=P@DURATION, spurious=HZ, stuck-mask=intx:0+msix:3, "
                                        "req-after=DURATION, trigger-stall=DURATION or seed=N, separated by commas";

// A finite decimal number, nothing else (no sign handling beyond what from_chars accepts).
std::optional<double> parseNumber(std::string_view text)
{
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
        return std::nullopt;
    return value;
}

// "250ns", "5us" (or "5µs"), "1.5ms", "2s": a non-negative number with its unit, in nanoseconds.
std::optional<double> parseDurationNs(std::string_view text)
{
    struct Unit
    {
        std::string_view suffix;
        double ns;
    };
    static constexpr Unit kUnits[] = {{"ns", 1}, {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"ms", 1e6}, {"s", 1e9}};
    for (const auto& unit : kUnits) {
        if (text.size() > unit.suffix.size() && text.ends_with(unit.suffix)) {
            const auto number = parseNumber(text.substr(0, text.size() - unit.suffix.size()));
            if (!number || *number < 0)
                return std::nullopt;
            return *number * unit.ns;
        }
    }
    return std::nullopt;
}

std::optional<double> parseProbability(std::string_view text)
{
    const auto p = parseNumber(text);
    if (!p || *p < 0 || *p > 1)
        return std::nullopt;
    return p;
}

// Splits "a<sep>b" at the first separator; nullopt when there is none.
std::optional<std::pair<std::string_view, std::string_view>> splitPair(std::string_view text, char separator)
{
    const auto at = text.find(separator);
    if (at == std::string_view::npos)
        return std::nullopt;
    return std::make_pair(text.substr(0, at), text.substr(at + 1));
}

// One stuck-mask entry: "intx:0" (or "intx"), "msi:N" (N < 32), "msix:N" (N < 2048).
bool validStuckVector(std::string_view text)
{
    const auto colon = text.find(':');
    const auto index = parseIrqIndex(text.substr(0, colon));
    if (!index || (*index != IrqIndex::Intx && *index != IrqIndex::Msi && *index != IrqIndex::Msix))
        return false;
    if (colon == std::string_view::npos)
        return *index == IrqIndex::Intx;
    const auto vector = parseUnsigned(text.substr(colon + 1));
    if (!vector)
        return false;
    switch (*index) {
    case IrqIndex::Intx:
        return *vector == 0;
    case IrqIndex::Msi:
        return *vector < kMaxMsiVectors;
    default:
        return *vector < kMaxMsixVectors;
    }
}

} // namespace

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
    switch (kernel) {
    case SimKernel::Linux6_1:
        return "6.1";
    case SimKernel::Linux6_12:
        return "6.12";
    }
    return "?";
}

std::optional<LatencyDistribution> parseLatencyDistribution(std::string_view text, std::string& error)
{
    using Kind = LatencyDistribution::Kind;
    const auto fail = [&](std::string_view what) -> std::optional<LatencyDistribution> {
        error = fmt::format("{} '{}': {}", what, printable(text), kDistributionHelp);
        return std::nullopt;
    };
    LatencyDistribution d;
    if (text == "none")
        return d;
    const auto parts = splitPair(text, ':');
    if (!parts)
        return fail(text.empty() ? "empty latency distribution" : "unknown latency distribution");
    const auto [kind, args] = *parts;
    if (kind == "fixed" || kind == "exp") {
        const auto a = parseDurationNs(args);
        if (!a)
            return fail("bad duration (use ns, us, ms or s, e.g. 5us) in latency distribution");
        d.kind = kind == "fixed" ? Kind::Fixed : Kind::Exponential;
        d.a = *a;
        return d;
    }
    if (kind != "uniform" && kind != "normal" && kind != "lognormal")
        return fail("unknown latency distribution");
    const auto pair = splitPair(args, kind == "uniform" ? '-' : ',');
    if (!pair)
        return fail("missing second parameter in latency distribution");
    const auto a = parseDurationNs(pair->first);
    const auto b = kind == "lognormal" ? parseNumber(pair->second) : parseDurationNs(pair->second);
    if (!a || !b)
        return fail("bad parameter in latency distribution");
    if (kind == "uniform" && *b < *a)
        return fail("uniform upper bound below the lower bound in latency distribution");
    if (kind == "lognormal" && (*a <= 0 || *b < 0))
        return fail("lognormal needs a median > 0 and a shape >= 0 in latency distribution");
    d.kind = kind == "uniform" ? Kind::Uniform : kind == "normal" ? Kind::Normal : Kind::LogNormal;
    d.a = *a;
    d.b = *b;
    return d;
}

std::optional<SimFaults> parseSimFaults(std::string_view text, std::string& error)
{
    SimFaults f;
    if (text == "none")
        return f;
    const auto fail = [&](std::string_view what, std::string_view item) -> std::optional<SimFaults> {
        error = fmt::format("{} '{}' in faults '{}': {}", what, printable(item), printable(text), kFaultHelp);
        return std::nullopt;
    };
    std::string_view rest = text;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string_view item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        const auto kv = splitPair(item, '=');
        if (!kv)
            return fail("fault without a value", item);
        const auto [key, value] = *kv;
        if (key == "drop") {
            const auto p = parseProbability(value);
            if (!p)
                return fail("bad drop probability (use 0 to 1)", item);
            f.dropProbability = *p;
        } else if (key == "delay") {
            const auto pd = splitPair(value, '@');
            const auto p = pd ? parseProbability(pd->first) : std::nullopt;
            const auto d = pd ? parseDurationNs(pd->second) : std::nullopt;
            if (!p || !d)
                return fail("bad delay (use P@DURATION, e.g. 0.1@2ms)", item);
            f.delayProbability = *p;
            f.delayNs = static_cast<uint64_t>(*d);
        } else if (key == "spurious") {
            const auto hz = parseNumber(value);
            if (!hz || *hz < 0)
                return fail("bad spurious rate (use interrupts per second per armed vector, e.g. 50)", item);
            f.spuriousRateHz = *hz;
        } else if (key == "stuck-mask") {
            std::string_view list = value;
            if (list.empty())
                return fail("empty stuck-mask list", item);
            while (!list.empty()) {
                const auto plus = list.find('+');
                const std::string_view vector = list.substr(0, plus);
                list = plus == std::string_view::npos ? std::string_view{} : list.substr(plus + 1);
                if (!validStuckVector(vector))
                    return fail("bad stuck-mask vector (use intx:0, msi:N < 32 or msix:N < 2048)", vector);
                f.stuckMask.emplace_back(vector);
            }
        } else if (key == "req-after") {
            const auto d = parseDurationNs(value);
            if (!d || *d <= 0)
                return fail("bad req-after (use a duration above 0, e.g. 2s)", item);
            f.reqAfterNs = static_cast<uint64_t>(*d);
        } else if (key == "trigger-stall") {
            const auto d = parseDurationNs(value);
            if (!d || *d <= 0)
                return fail("bad trigger-stall (use a duration above 0, e.g. 50ms)", item);
            f.triggerStallNs = static_cast<uint64_t>(*d);
        } else if (key == "seed") {
            const auto seed = parseUnsigned(value);
            if (!seed)
                return fail("bad seed (use an unsigned integer)", item);
            f.seed = *seed;
        } else {
            return fail("unknown fault", item);
        }
    }
    return f;
}

std::optional<SimModel> parseSimModel(std::string_view text)
{
    if (text == "registers")
        return SimModel::Registers;
    if (text == "nvme")
        return SimModel::Nvme;
    if (text == "xhci")
        return SimModel::Xhci;
    return std::nullopt;
}

std::optional<SimNvmeFault> parseSimNvmeFault(std::string_view text)
{
    if (text == "none")
        return SimNvmeFault::None;
    if (text == "never-ready")
        return SimNvmeFault::NeverReady;
    if (text == "fatal")
        return SimNvmeFault::Fatal;
    if (text == "command-error")
        return SimNvmeFault::CommandError;
    if (text == "no-verify")
        return SimNvmeFault::NoVerify;
    return std::nullopt;
}

} // namespace irqscope::core

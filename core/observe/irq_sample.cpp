// Reading one sample of a device's vfio vectors from procfs.
#include "observe/irq_sample.h"

#include "base/file_text.h"
#include "base/monotonic_clock.h"
#include "base/number_text.h"

#include <fmt/format.h>

#include <charconv>

namespace irqscope::core {

std::vector<int> parseCpuColumns(std::string_view text)
{
    std::vector<int> cpus;
    const std::string_view header = text.substr(0, text.find('\n'));
    std::size_t pos = 0;
    while ((pos = header.find("CPU", pos)) != std::string_view::npos) {
        pos += 3;
        int cpu = -1;
        const auto [end, ec] = std::from_chars(header.data() + pos, header.data() + header.size(), cpu);
        if (ec == std::errc{})
            cpus.push_back(cpu);
        pos = static_cast<std::size_t>(end - header.data());
    }
    return cpus;
}

SpuriousCounts parseSpurious(std::string_view text)
{
    SpuriousCounts out;
    while (!text.empty()) {
        const auto eol = text.find('\n');
        const std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        const auto space = line.find(' ');
        if (space == std::string_view::npos)
            continue;
        const std::string_view key = line.substr(0, space);
        // The number is the first word: "last_unhandled 4294 ms" carries a unit after it.
        const std::string_view word = line.substr(space + 1);
        const uint64_t value = parseUnsigned(word.substr(0, word.find(' '))).value_or(0);
        if (key == "count")
            out.count = value;
        else if (key == "unhandled")
            out.unhandled = value;
        else if (key == "last_unhandled")
            out.lastUnhandledMs = value;
    }
    return out;
}

std::vector<HostCounterRow> parseNamedRows(std::string_view text, std::initializer_list<std::string_view> names)
{
    const std::size_t columns = parseCpuColumns(text).size();
    std::vector<HostCounterRow> out;
    for (const auto name : names) {
        // A row starts, after the alignment spaces, with "NAME:" (the IRQ lines start with "N:").
        for (std::size_t pos = text.find('\n'); pos != std::string_view::npos; pos = text.find('\n', pos + 1)) {
            std::string_view line = text.substr(pos + 1);
            line = line.substr(0, line.find('\n'));
            const auto start = line.find_first_not_of(' ');
            if (start == std::string_view::npos || !line.substr(start).starts_with(name) ||
                line.substr(start + name.size()).substr(0, 1) != ":")
                continue;
            HostCounterRow row{std::string(name), {}};
            std::string_view rest = line.substr(start + name.size() + 1);
            for (std::size_t c = 0; c < columns; ++c) {
                const auto b = rest.find_first_not_of(' ');
                if (b == std::string_view::npos)
                    break;
                rest.remove_prefix(b);
                const auto e = rest.find(' ');
                const auto count = parseUnsigned(rest.substr(0, e));
                if (!count)
                    break;
                row.perCpu.push_back(*count);
                rest.remove_prefix(e == std::string_view::npos ? rest.size() : e);
            }
            out.push_back(std::move(row));
            break;
        }
    }
    return out;
}

IrqSample sampleFromText(std::string_view interrupts, std::string_view bdf, const std::string& procRoot, int64_t timeNs)
{
    IrqSample sample;
    sample.timeNs = timeNs;
    sample.cpus = parseCpuColumns(interrupts);
    sample.postedRows = parseNamedRows(interrupts, {"PIN", "PIW", "PMN"});
    for (auto& irq : parseProcInterrupts(interrupts, bdf)) {
        ObservedIrq observed;
        const std::string dir = fmt::format("{}/irq/{}", procRoot, irq.irq);
        irq.effectiveCpu = firstCpuOfList(readWholeFile(dir + "/effective_affinity_list").value_or(""));
        observed.spurious = parseSpurious(readWholeFile(dir + "/spurious").value_or(""));
        observed.irq = std::move(irq);
        sample.irqs.push_back(std::move(observed));
    }
    return sample;
}

IrqSample readIrqSample(std::string_view bdf, const std::string& procRoot)
{
    const int64_t now = monotonicNs();
    return sampleFromText(readWholeFile(procRoot + "/interrupts").value_or(""), bdf, procRoot, now);
}

} // namespace irqscope::core

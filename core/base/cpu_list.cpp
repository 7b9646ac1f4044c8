#include "base/cpu_list.h"

#include "base/number_text.h"

#include <algorithm>

namespace irqscope::core {

std::optional<std::vector<int>> parseCpuList(std::string_view list)
{
    while (!list.empty() && (list.back() == '\n' || list.back() == ' '))
        list.remove_suffix(1);
    std::vector<int> cpus;
    while (!list.empty()) {
        const auto comma = list.find(',');
        const auto item = list.substr(0, comma);
        list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
        const auto dash = item.find('-');
        const auto first = parseInteger<int>(item.substr(0, dash));
        const auto last = dash == std::string_view::npos ? first : parseInteger<int>(item.substr(dash + 1));
        // 8192: the kernel's largest NR_CPUS; a bigger number is no CPU list.
        if (!first || !last || *first < 0 || *last < *first || *last >= 8192)
            return std::nullopt;
        for (int cpu = *first; cpu <= *last; ++cpu)
            cpus.push_back(cpu);
    }
    std::sort(cpus.begin(), cpus.end());
    cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
    return cpus;
}

std::string formatCpuList(const std::vector<int>& cpus)
{
    std::string out;
    for (std::size_t i = 0; i < cpus.size();) {
        std::size_t j = i;
        while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1)
            ++j;
        out += (out.empty() ? "" : ",") + std::to_string(cpus[i]);
        if (j > i)
            out += "-" + std::to_string(cpus[j]);
        i = j + 1;
    }
    return out;
}

bool cpuListsIntersect(const std::vector<int>& a, const std::vector<int>& b)
{
    for (std::size_t i = 0, j = 0; i < a.size() && j < b.size();) {
        if (a[i] == b[j])
            return true;
        a[i] < b[j] ? ++i : ++j;
    }
    return false;
}

} // namespace irqscope::core

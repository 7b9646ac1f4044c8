// CPU lists as the kernel writes them ("0-3,8,10-11": /proc/PID/status Cpus_allowed_list, /proc/irq/N/*_list,
// /sys/devices/system/cpu/online) and back.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irqscope::core {

// The CPUs of a list, ascending and without repeats; nullopt when the text is not a CPU list. A trailing newline
// is ignored; an empty list is an empty vector.
std::optional<std::vector<int>> parseCpuList(std::string_view list);

// The kernel's form of `cpus` (ascending): {0,1,2,3,8} is "0-3,8".
std::string formatCpuList(const std::vector<int>& cpus);

// Whether the two ascending lists share a CPU.
bool cpuListsIntersect(const std::vector<int>& a, const std::vector<int>& b);

} // namespace irqscope::core

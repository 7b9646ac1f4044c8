#include "engine/idle_states.h"

#include "base/file_text.h"
#include "base/number_text.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

namespace irqscope::core {

namespace {

// A one-line write of `value` to a sysfs attribute; the errno when the kernel (or the file system) refuses it.
int writeAttribute(const std::string& path, const std::string& value)
{
    std::ofstream out(path);
    if (!out)
        return errno ? errno : EACCES;
    out << value << '\n';
    out.flush();
    return out ? 0 : (errno ? errno : EIO);
}

} // namespace

IdleStateGuard::IdleStateGuard(std::string sysfsRoot)
    : m_sysfsRoot(std::move(sysfsRoot))
{}

IdleStateGuard::~IdleStateGuard()
{
    restore();
}

std::optional<std::string> IdleStateGuard::apply(const std::vector<int>& cpus, int deepest)
{
    namespace fs = std::filesystem;
    if (deepest < 0)
        return fmt::format("--deepest-idle-state {} is out of range: use 0 or more", deepest);
    for (const int cpu : cpus) {
        const std::string dir = fmt::format("{}/devices/system/cpu/cpu{}/cpuidle", m_sysfsRoot, cpu);
        std::error_code ec;
        std::map<int, std::string> states; // K -> its directory
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            const std::string name = entry.path().filename().string();
            if (const auto k =
                    name.starts_with("state") ? parseInteger<int>(std::string_view(name).substr(5)) : std::nullopt)
                states.emplace(*k, entry.path().string());
        }
        if (states.empty())
            return fmt::format("--deepest-idle-state: CPU {} has no cpuidle states ({} is missing: no cpuidle "
                               "driver runs there); drop the option",
                               cpu, dir);
        for (const auto& [k, path] : states) {
            if (k <= deepest)
                continue;
            const std::string disable = path + "/disable";
            const auto previous = readFirstLine(disable);
            if (!previous)
                return fmt::format("--deepest-idle-state: cannot read {}", disable);
            if (*previous == "1")
                continue; // already disabled: nothing to put back
            errno = 0;
            if (int err = writeAttribute(disable, "1"); err != 0)
                return fmt::format("--deepest-idle-state: cannot write {}: {}{}", disable, std::strerror(err),
                                   err == EACCES || err == EPERM ? " (needs root)" : "");
            m_saved.push_back({cpu, k, readFirstLine(path + "/name").value_or(""), disable, *previous});
        }
    }
    return std::nullopt;
}

std::vector<std::string> IdleStateGuard::restore()
{
    std::vector<std::string> failures;
    for (auto it = m_saved.rbegin(); it != m_saved.rend(); ++it) {
        errno = 0;
        if (int err = writeAttribute(it->path, it->previous); err != 0)
            failures.push_back(fmt::format("cannot restore {} to {}: {}", it->path, it->previous, std::strerror(err)));
    }
    m_saved.clear();
    return failures;
}

std::vector<std::string> IdleStateGuard::disabledStates() const
{
    std::vector<std::string> out;
    for (std::size_t i = 0; i < m_saved.size();) {
        std::string names;
        std::size_t j = i;
        for (; j < m_saved.size() && m_saved[j].cpu == m_saved[i].cpu; ++j)
            names += (names.empty() ? "" : " ") + (m_saved[j].name.empty() ? "?" : m_saved[j].name);
        out.push_back(
            fmt::format("cpu{}: {} (state{}-{})", m_saved[i].cpu, names, m_saved[i].state, m_saved[j - 1].state));
        i = j;
    }
    return out;
}

} // namespace irqscope::core

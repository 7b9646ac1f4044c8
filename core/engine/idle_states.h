// --deepest-idle-state N (as rtla's): the cpuidle states deeper than N disabled on the measured CPUs for the run
// and put back afterwards, through /sys/devices/system/cpu/cpuN/cpuidle/stateK/disable (docs/rt-hosts.md §3).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace irqscope::core {

class IdleStateGuard
{
public:
    explicit IdleStateGuard(std::string sysfsRoot = "/sys");
    ~IdleStateGuard(); // restore()
    IdleStateGuard(const IdleStateGuard&) = delete;
    IdleStateGuard& operator=(const IdleStateGuard&) = delete;

    // Disables every state K > deepest on each CPU (0 keeps only the shallowest, polling or C1). A one-line error
    // for a CPU without cpuidle states (no cpuidle driver) or a write the kernel refuses; what was written before
    // it stays recorded, to be restored.
    std::optional<std::string> apply(const std::vector<int>& cpus, int deepest);
    // Writes every changed state's previous value back, last change first; one line per write that failed.
    std::vector<std::string> restore();
    bool active() const { return !m_saved.empty(); }
    // "cpu0: C1E C6 (state2-3)" per CPU changed, for the report.
    std::vector<std::string> disabledStates() const;

private:
    struct Saved
    {
        int cpu = -1;
        int state = -1;
        std::string name;
        std::string path;
        std::string previous;
    };
    const std::string m_sysfsRoot;
    std::vector<Saved> m_saved;
};

} // namespace irqscope::core

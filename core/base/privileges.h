// Least privilege (docs/privileges.md): once the device is open, the core thread set up and the vectors armed,
// irqscope needs no capability beyond the few its remaining work uses, and drops the rest from every set of the
// calling thread, including the bounding set, so that nothing it starts later (exec= threshold actions) gets them
// back. Capabilities are per thread: each thread that exists at that point drops its own, and threads started
// afterwards inherit the reduced sets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace irqscope::core {

constexpr uint64_t capabilityBit(int cap)
{
    return uint64_t(1) << cap;
}

// Drops every capability not in `keep` (a mask of capabilityBit(CAP_...)) from the calling thread's effective,
// permitted, inheritable and ambient sets and, where CAP_SETPCAP allows, from its bounding set. Returns a
// one-line error if capset fails; dropping from an already empty set is not an error.
std::optional<std::string> dropCapabilities(uint64_t keep);

// The calling thread's effective set, as a mask of capabilityBit(CAP_...).
uint64_t effectiveCapabilities();

} // namespace irqscope::core

// The observer's text table: per vector the host IRQ, its CPU, the count since the start, the total and per-CPU
// rates, the unhandled count, when it appeared or disappeared and how it is delivered (a posted vector shows why the
// host sees no count instead of a rate). Latency columns are left out: not measured.
#pragma once

#include "stats/snapshot.h"
#include "vfio/device_owner.h"

#include <optional>
#include <string>

namespace irqscope::core {

struct ObserveTableHeader
{
    std::string device; // BDF
    std::optional<DeviceOwner> owner;
    double intervalSec = 1;
    double durationSec = 0; // 0: until interrupted
    std::string handlerTiming;
};

// vmSummary() of the owner's VM for the banner; "" when the owner is no VM.
std::string vmSummary(const std::optional<DeviceOwner>& owner);

// At most `maxRows` vector rows (the rest summarised in one line); `color` adds ANSI colours.
std::string renderObserveTable(const Snapshot& snapshot, const ObserveTableHeader& header, int maxRows, bool color);

} // namespace irqscope::core

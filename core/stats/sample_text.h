// Human-readable reasons for what the sample ring reports: errno text, missed-trigger reasons, stuck masks.
// These strings end up in VectorSnapshot::lastError, the live table and reports.
#pragma once

#include "base/vector_id.h"

#include <cstdint>
#include <string>

namespace irqscope::core {

// "Invalid argument (EINVAL)".
std::string describeErrno(int error);
// An EventCode::Error sample: "SET_IRQS or device access failed: Invalid argument (EINVAL)".
std::string errorEventText(int error);
// A Missed sample (its value is the reason's errno: ETIME deadline, ECOMM failed trigger, ESHUTDOWN disarmed).
std::string missedText(int reason);
// An EventCode::StuckMask event on `id`.
std::string stuckText(VectorId id);
// An Unsolicited sample while irqscope triggers the vector.
std::string spuriousText(uint64_t completions);

} // namespace irqscope::core

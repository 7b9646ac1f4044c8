// Checking the user's vector ranges against an opened device before anything is armed, so that bad input leaves
// the device untouched. Shared by every command that arms (run, exporter) and by the dashboard's live runs.
#pragma once

#include "base/vector_id.h"
#include "base/vector_spec.h"
#include "device/command_trigger.h"
#include "profile/device_profile.h"

#include <string>

namespace irqscope::core {

// Resolves a range against the device's slots: an "all" range takes every vector of its index. Returns "" when
// the range fits, otherwise the one-line usage error naming what `device` (as the user called it) has.
std::string resolveVectorRange(VectorRange& range, const VectorSlots& slots, const std::string& device);

// For device-raised triggers: "" when `profile` says how to raise every vector of `range`, otherwise the
// one-line usage error naming the first vector it cannot raise.
std::string checkProfileCanRaise(const VectorRange& range, const DeviceProfile& profile);

// The same for a command trigger (NVMe: docs/dma-triggers.md): it raises MSI-X vectors it can give a queue.
std::string checkCommandTriggerCanRaise(const VectorRange& range, const CommandTrigger& trigger);

} // namespace irqscope::core

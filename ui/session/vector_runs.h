// Vector runs: the rows a user selected, turned into the contiguous (index, start, count) ranges that engine
// commands take, and back into the "msix:0-7,intx:0" spelling the CLI and reports use.
#pragma once

#include "base/vector_id.h"
#include "base/vector_spec.h"

#include <QString>

#include <cstdint>
#include <vector>

namespace irqscope::ui {

// Slots in any order (duplicates allowed) → ranges, each inside one index, ascending.
std::vector<core::VectorRange> slotRuns(const core::VectorSlots& slots, std::vector<uint32_t> slotList);

QString runsText(const std::vector<core::VectorRange>& runs);

} // namespace irqscope::ui

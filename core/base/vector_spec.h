// VectorSpec: parses the --vectors list, e.g. "msix:0-7,intx:0", "msi:0", "msix" (every vector of the index),
// into index ranges, and prints it back.
#pragma once

#include "base/irq_index.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irqscope::core {

struct VectorRange
{
    IrqIndex index = IrqIndex::Msix;
    uint32_t start = 0;
    uint32_t count = 0; // 0 in a parsed "msix" (no range): every vector the device has
    bool all() const { return count == 0; }
};

std::optional<IrqIndex> parseIrqIndex(std::string_view text); // "intx", "msi", "msix", "err", "req"

// One-line error in `error` on bad syntax; ranges are checked against the device later.
std::optional<std::vector<VectorRange>> parseVectorSpec(std::string_view text, std::string& error);
std::string formatVectorSpec(const std::vector<VectorRange>& ranges);

} // namespace irqscope::core

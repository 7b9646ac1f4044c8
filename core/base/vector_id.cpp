#include "base/vector_id.h"

#include <fmt/format.h>

namespace irqscope::core {

std::string vectorName(VectorId id)
{
    return fmt::format("{}:{}", irqIndexName(id.index), id.sub);
}

VectorSlots::VectorSlots(const std::array<uint32_t, kNumPciIrqIndexes>& counts)
    : m_counts(counts)
{
    for (uint32_t i = 0; i < kNumPciIrqIndexes; ++i) {
        m_first[i] = m_total;
        m_total += m_counts[i];
    }
}

VectorId VectorSlots::id(uint32_t slot) const
{
    for (uint32_t i = kNumPciIrqIndexes; i-- > 0;) {
        if (m_counts[i] && slot >= m_first[i])
            return {static_cast<IrqIndex>(i), slot - m_first[i]};
    }
    return {};
}

} // namespace irqscope::core

// VectorId names one interrupt vector (index + subindex); VectorSlots maps every vector a device has onto a
// dense slot number, so that per-vector state lives in flat preallocated arrays.
#pragma once

#include "base/irq_index.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace irqscope::core {

struct VectorId
{
    IrqIndex index = IrqIndex::Intx;
    uint32_t sub = 0;

    friend bool operator==(const VectorId&, const VectorId&) = default;
    friend auto operator<=>(const VectorId&, const VectorId&) = default;
};

std::string vectorName(VectorId id); // "msix:3"

class VectorSlots
{
public:
    VectorSlots() = default;
    // counts[i] is the GET_IRQ_INFO count of index i (0 where the index is absent or GET_IRQ_INFO fails).
    explicit VectorSlots(const std::array<uint32_t, kNumPciIrqIndexes>& counts);

    uint32_t size() const { return m_total; }
    uint32_t count(IrqIndex index) const { return m_counts[static_cast<uint32_t>(index)]; }
    bool contains(VectorId id) const { return id.sub < count(id.index); }
    // Precondition: contains(id).
    uint32_t slot(VectorId id) const { return m_first[static_cast<uint32_t>(id.index)] + id.sub; }
    VectorId id(uint32_t slot) const;

private:
    std::array<uint32_t, kNumPciIrqIndexes> m_counts{};
    std::array<uint32_t, kNumPciIrqIndexes> m_first{};
    uint32_t m_total = 0;
};

} // namespace irqscope::core

// IrqIndex: the VFIO-PCI interrupt indexes by name, the leaf every layer shares. The values are the kernel's
// (include/uapi/linux/vfio.h, VFIO_PCI_*_IRQ_INDEX), taken from the system header.
#pragma once

#include <linux/vfio.h>

#include <cstdint>
#include <string_view>

namespace irqscope::core {

// VFIO-PCI interrupt indexes (docs/kernel-vfio-irq.md §1.5).
enum class IrqIndex : uint32_t
{
    Intx = VFIO_PCI_INTX_IRQ_INDEX,
    Msi = VFIO_PCI_MSI_IRQ_INDEX,
    Msix = VFIO_PCI_MSIX_IRQ_INDEX,
    Err = VFIO_PCI_ERR_IRQ_INDEX,
    Req = VFIO_PCI_REQ_IRQ_INDEX,
};
inline constexpr uint32_t kNumPciIrqIndexes = VFIO_PCI_NUM_IRQS;

// The largest MSI-X table PCI allows (QSIZE is 11 bits) and the largest multi-MSI block.
inline constexpr uint32_t kMaxMsixVectors = 2048;
inline constexpr uint32_t kMaxMsiVectors = 32;

constexpr std::string_view irqIndexName(IrqIndex index)
{
    switch (index) {
    case IrqIndex::Intx:
        return "intx";
    case IrqIndex::Msi:
        return "msi";
    case IrqIndex::Msix:
        return "msix";
    case IrqIndex::Err:
        return "err";
    case IrqIndex::Req:
        return "req";
    }
    return "?";
}

} // namespace irqscope::core

// IrqDevice: the VFIO device interrupt uAPI as an interface (docs/kernel-vfio-irq.md §1), implemented by the simulated
// device and the real vfio-pci backend. Everything above it is the same for both.
#pragma once

#include "base/vector_id.h"
#include "vfio/dma_memory.h"
#include "vfio/vfio_uapi.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace irqscope::core {

struct DeviceInfo
{
    std::string id;          // "sim" or the PCI address, e.g. "0000:01:00.0"
    std::string description; // human-readable, e.g. "irqscope simulated device (kernel model 6.1)"
    uint32_t flags = 0;      // VFIO_DEVICE_FLAGS_*
    uint32_t numRegions = 0;
    uint32_t numIrqs = 0;
};

struct IrqInfo
{
    uint32_t index = 0;
    uint32_t flags = 0; // VFIO_IRQ_INFO_*
    uint32_t count = 0;

    bool eventfd() const { return flags & VFIO_IRQ_INFO_EVENTFD; }
    bool maskable() const { return flags & VFIO_IRQ_INFO_MASKABLE; }
    bool automasked() const { return flags & VFIO_IRQ_INFO_AUTOMASKED; }
    bool noResize() const { return flags & VFIO_IRQ_INFO_NORESIZE; }
};

class IrqDevice
{
public:
    virtual ~IrqDevice() = default;

    virtual const DeviceInfo& info() const = 0;

    // VFIO_DEVICE_GET_IRQ_INFO. Returns 0 and fills `out`, or -errno exactly as the kernel would
    // (-EINVAL for index >= 5, and for ERR on a conventional-PCI device: docs/kernel-vfio-irq.md §1.2).
    virtual int irqInfo(uint32_t index, IrqInfo& out) = 0;

    // VFIO_DEVICE_SET_IRQS. `request` is a whole struct vfio_irq_set with its data; only `request.size()` bytes
    // are readable (the kernel would fault beyond). Returns what the ioctl returns: 0; a positive vector count
    // when multi-MSI/MSI-X enabling falls short (nothing is enabled then: docs/kernel-vfio-irq.md §2.5); or -errno.
    // Safe to call from the core thread: no allocation on the trigger and unmask paths.
    virtual int setIrqs(std::span<const std::byte> request) = 0;

    // 32-bit access to a device region (BAR) for device-raised triggers and acks. 0 or -errno.
    virtual int regionRead32(uint32_t region, uint64_t offset, uint32_t& value) = 0;
    virtual int regionWrite32(uint32_t region, uint64_t offset, uint32_t value) = 0;

    // `bytes` (rounded up to pages) of memory the device can write by DMA (docs/dma-triggers.md §1), for triggers
    // whose interrupt announces a completion the device writes to memory (NVMe). Controller thread, at setup.
    // nullptr with one line in `error` where that is impossible: this default (no DMA), a no-IOMMU container
    // (no VFIO_IOMMU_MAP_DMA there), a failed lock or map. The memory must be released before the device.
    virtual std::unique_ptr<DmaMemory> allocateDma(std::size_t bytes, std::string& error);
};

// The device's vectors as dense slots: every index that offers eventfd signalling, with GET_IRQ_INFO's count.
VectorSlots vectorSlotsOf(IrqDevice& device);

} // namespace irqscope::core

// The VFIO interrupt uAPI as irqscope uses it: the kernel header plus what Debian 12's 6.1 header lacks
// (docs/kernel-vfio-irq.md §1.1, §1.7), and typed names for the PCI interrupt indexes (§1.5).
#pragma once

#include "base/irq_index.h"

#include <linux/vfio.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

// Added in 6.6 with the cdev interface (docs/kernel-vfio-irq.md §1.7); absent from Debian 12's 6.1 header.
#ifndef VFIO_DEVICE_BIND_IOMMUFD
struct vfio_device_bind_iommufd
{
    __u32 argsz;
    __u32 flags;
    __s32 iommufd;
    __u32 out_devid;
};
#define VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)
#define VFIO_DEVICE_DETACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 20)
#endif

#ifndef VFIO_NOIOMMU_IOMMU
#define VFIO_NOIOMMU_IOMMU 8
#endif

namespace irqscope::core {

// The ioctl values are fixed by the ABI (docs/kernel-vfio-irq.md §1.1); a different header would be a different kernel.
static_assert(VFIO_DEVICE_GET_IRQ_INFO == 0x3b6d);
static_assert(VFIO_DEVICE_SET_IRQS == 0x3b6e);
static_assert(sizeof(vfio_irq_info) == 16);
static_assert(sizeof(vfio_irq_set) == 20);
static_assert(offsetof(vfio_irq_set, data) == 20);

inline constexpr std::size_t kIrqSetHeaderSize = sizeof(vfio_irq_set);

} // namespace irqscope::core

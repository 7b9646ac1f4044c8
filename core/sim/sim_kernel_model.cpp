// SimKernelModel: vfio_pci_intrs.c and the SET_IRQS validation of vfio_main.c as a pure model (see the header).
#include "sim/sim_kernel_model.h"

#include "sim/sim_eventfd.h"
#include "sim/sim_irq_set_data.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace irqscope::core {

using namespace simirq;

SimKernelModel::SimKernelModel(const SimConfig& config)
    : m_config(config)
    , m_dynamicCtx(config.kernel == SimKernel::Linux6_12)
    , m_dynamicMsix(config.kernel == SimKernel::Linux6_12 && config.msixVectors > 0)
    , m_msiTriggers(kMaxMsixVectors, -1)
    , m_allocated(kMaxMsixVectors, 0)
{
    m_config.msiVectors = std::min(m_config.msiVectors, kMaxMsiVectors);
    m_config.msixVectors = std::min(m_config.msixVectors, kMaxMsixVectors);
}

SimKernelModel::~SimKernelModel()
{
    // vfio_pci_core_disable / close_device (docs/kernel-vfio-irq.md §2.8): every reference is dropped.
    msiDisable();
    intxDisable();
    simfd::release(m_errTrigger);
    simfd::release(m_reqTrigger);
}

// vfio_pci_get_irq_count (docs/kernel-vfio-irq.md §1.5).
uint32_t SimKernelModel::irqCount(IrqIndex index) const
{
    switch (index) {
    case IrqIndex::Intx:
        return m_config.intx ? 1 : 0;
    case IrqIndex::Msi:
        return m_config.msiVectors;
    case IrqIndex::Msix:
        return m_config.msixVectors;
    case IrqIndex::Err:
        return m_config.pcie ? 1 : 0;
    case IrqIndex::Req:
        return 1;
    }
    return 0;
}

// vfio_pci_ioctl_get_irq_info (docs/kernel-vfio-irq.md §1.2, §1.5): INTx 0x7, MSI 0x9, MSI-X 0x9 (6.1) or 0x1 (6.12
// with dynamic MSI-X), ERR and REQ 0x9; ERR on a conventional-PCI device is -EINVAL rather than count 0.
int SimKernelModel::irqInfo(uint32_t index, IrqInfo& out) const
{
    if (index >= kNumPciIrqIndexes)
        return -EINVAL;
    const auto idx = static_cast<IrqIndex>(index);
    if (idx == IrqIndex::Err && !m_config.pcie)
        return -EINVAL;
    out = {};
    out.index = index;
    out.count = irqCount(idx);
    out.flags = VFIO_IRQ_INFO_EVENTFD;
    if (idx == IrqIndex::Intx)
        out.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
    else if (idx != IrqIndex::Msix || !m_dynamicMsix)
        out.flags |= VFIO_IRQ_INFO_NORESIZE;
    return 0;
}

int SimKernelModel::setIrqs(std::span<const std::byte> request)
{
    // copy_from_user of the header, then vfio_set_irqs_validate_and_prepare (docs/kernel-vfio-irq.md §1.4).
    if (request.size() < kIrqSetHeaderSize)
        return -EFAULT;
    vfio_irq_set h;
    std::memcpy(&h, request.data(), kIrqSetHeaderSize);
    if (h.argsz < kIrqSetHeaderSize || h.index >= kNumPciIrqIndexes || h.count >= UINT32_MAX - h.start ||
        (h.flags & ~kKnownFlags))
        return -EINVAL;
    const auto index = static_cast<IrqIndex>(h.index);
    const uint32_t max = irqCount(index);
    if (h.start >= max || h.start + h.count > max)
        return -EINVAL;
    uint32_t elementSize = 0;
    switch (dataType(h)) {
    case VFIO_IRQ_SET_DATA_NONE:
        break;
    case VFIO_IRQ_SET_DATA_BOOL:
        elementSize = sizeof(uint8_t);
        break;
    case VFIO_IRQ_SET_DATA_EVENTFD:
        elementSize = sizeof(int32_t);
        break;
    default:
        return -EINVAL; // no type, or more than one
    }
    const std::size_t payload = std::size_t(h.count) * elementSize;
    if (elementSize && h.argsz - kIrqSetHeaderSize < payload)
        return -EINVAL;
    if (request.size() - kIrqSetHeaderSize < payload)
        return -EFAULT; // memdup_user would fault past what the caller mapped
    const std::byte* data = request.data() + kIrqSetHeaderSize;

    // vfio_pci_set_irqs_ioctl: the dispatcher switches on the action bits; no handler is -ENOTTY (§2.2).
    const uint32_t action = h.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
    switch (index) {
    case IrqIndex::Intx:
        if (action == VFIO_IRQ_SET_ACTION_MASK)
            return intxMask(h, data);
        if (action == VFIO_IRQ_SET_ACTION_UNMASK)
            return intxUnmask(h, data);
        if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
            return intxTrigger(h, data);
        break;
    case IrqIndex::Msi:
    case IrqIndex::Msix:
        // MASK and UNMASK: "XXX Need masking support exported".
        if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
            return msiTrigger(index, h, data);
        break;
    case IrqIndex::Err:
        if (action == VFIO_IRQ_SET_ACTION_TRIGGER && m_config.pcie)
            return singleTrigger(m_errTrigger, h, data);
        break;
    case IrqIndex::Req:
        if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
            return singleTrigger(m_reqTrigger, h, data);
        break;
    }
    return -ENOTTY;
}

// vfio_pci_set_ctx_trigger_single, behind vfio_pci_set_err_trigger / _req_trigger (docs/kernel-vfio-irq.md §2.6).
int SimKernelModel::singleTrigger(int& trigger, const vfio_irq_set& h, const std::byte* data)
{
    if (h.start != 0 || h.count > 1)
        return -EINVAL;
    switch (dataType(h)) {
    case VFIO_IRQ_SET_DATA_NONE:
        if (trigger < 0)
            return -EINVAL;
        if (h.count)
            signal(static_cast<IrqIndex>(h.index), trigger);
        else
            simfd::release(trigger);
        return 0;
    case VFIO_IRQ_SET_DATA_BOOL:
        if (h.count == 0)
            return -EINVAL;
        if (boolAt(data, 0))
            signal(static_cast<IrqIndex>(h.index), trigger);
        return 0;
    default: {
        if (h.count == 0)
            return -EINVAL;
        const int32_t fd = fdAt(data, 0);
        if (fd == -1) {
            simfd::release(trigger);
        } else if (fd >= 0) {
            if (const int rc = simfd::check(fd); rc < 0)
                return rc;
            const int dup = simfd::take(fd);
            if (dup < 0)
                return dup;
            simfd::release(trigger);
            trigger = dup;
        }
        return 0; // other negative fds are ignored
    }
    }
}

// vfio_msihandler: the device's message signals the vector's trigger; a vector without one (or without an IRQ,
// or an index that is not enabled) signals nothing.
void SimKernelModel::raiseMsi(IrqIndex index, uint32_t vector)
{
    if (m_active != index || vector >= irqCount(index) || !m_allocated[vector])
        return;
    signal(index, m_msiTriggers[vector]);
}

bool SimKernelModel::requestDevice()
{
    if (m_reqTrigger < 0)
        return false;
    signal(IrqIndex::Req, m_reqTrigger);
    return true;
}

bool SimKernelModel::hasTrigger(IrqIndex index, uint32_t vector) const
{
    if (m_active != index)
        return false;
    if (index == IrqIndex::Intx)
        return vector == 0 && m_intxTrigger >= 0;
    if (index == IrqIndex::Msi || index == IrqIndex::Msix)
        return vector < irqCount(index) && m_msiTriggers[vector] >= 0;
    return false;
}

uint32_t SimKernelModel::armedVectors() const
{
    if (intxEnabled())
        return m_intxTrigger >= 0 ? 1 : 0;
    if (!m_active)
        return 0;
    const uint32_t n = irqCount(*m_active);
    return static_cast<uint32_t>(
        std::count_if(m_msiTriggers.begin(), m_msiTriggers.begin() + n, [](int fd) { return fd >= 0; }));
}

std::optional<uint32_t> SimKernelModel::armedVector(uint32_t nth) const
{
    if (intxEnabled())
        return m_intxTrigger >= 0 && nth == 0 ? std::optional<uint32_t>(0) : std::nullopt;
    if (!m_active)
        return std::nullopt;
    const uint32_t n = irqCount(*m_active);
    for (uint32_t v = 0; v < n; ++v) {
        if (m_msiTriggers[v] >= 0 && nth-- == 0)
            return v;
    }
    return std::nullopt;
}

void SimKernelModel::signal(IrqIndex index, int fd)
{
    if (simfd::signal(fd)) {
        ++m_signals;
        ++m_signalsByIndex[static_cast<uint32_t>(index)];
    }
}

} // namespace irqscope::core

// SimKernelModel: vfio_pci_intrs.c and the SET_IRQS validation of vfio_main.c as a pure model (see the header).
#include "sim/sim_kernel_model.h"

#include "sim/sim_eventfd.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace irqscope::core {

namespace {

constexpr uint32_t kKnownFlags = VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK;

int32_t fdAt(const std::byte* data, uint32_t i)
{
    int32_t fd;
    std::memcpy(&fd, data + sizeof(int32_t) * i, sizeof fd);
    return fd;
}

bool boolAt(const std::byte* data, uint32_t i)
{
    return std::to_integer<uint8_t>(data[i]) != 0;
}

uint32_t dataType(const vfio_irq_set& h)
{
    return h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
}

// DATA_NONE, or DATA_BOOL with element i true: the loopback and mask/unmask "do it" test.
bool selected(const vfio_irq_set& h, const std::byte* data, uint32_t i)
{
    return dataType(h) == VFIO_IRQ_SET_DATA_NONE || (dataType(h) == VFIO_IRQ_SET_DATA_BOOL && boolAt(data, i));
}

} // namespace

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

// vfio_pci_set_intx_trigger with the 2024 hardening, which Debian's 6.1.192 (6.1.84+) and 6.12 both have
// (docs/kernel-vfio-irq.md §2.1, §2.3).
int SimKernelModel::intxTrigger(const vfio_irq_set& h, const std::byte* data)
{
    if (intxEnabled() && h.count == 0 && dataType(h) == VFIO_IRQ_SET_DATA_NONE) {
        intxDisable();
        return 0;
    }
    // Another type active, or a vector other than 0: -EINVAL.
    if (!(intxEnabled() || !m_active) || h.start != 0 || h.count != 1)
        return -EINVAL;
    if (dataType(h) == VFIO_IRQ_SET_DATA_EVENTFD) {
        // The trigger is fetched first, so a bad fd changes nothing.
        const int32_t fd = fdAt(data, 0);
        int trigger = -1;
        if (fd >= 0) {
            if (const int rc = simfd::check(fd); rc < 0)
                return rc;
            trigger = simfd::take(fd);
            if (trigger < 0)
                return trigger;
        }
        if (intxEnabled()) {
            // vfio_intx_set_signal: swap the trigger; the handler stays; fd < 0 leaves a NULL trigger.
            simfd::release(m_intxTrigger);
            m_intxTrigger = trigger;
        } else {
            intxEnable(trigger); // fd < 0: enabled with a NULL trigger
        }
        return 0;
    }
    if (!intxEnabled())
        return -EINVAL;
    // Loopback: vfio_send_intx_eventfd ignores `masked`; a NULL trigger is a silent 0 since the hardening.
    if (selected(h, data, 0))
        sendIntx();
    return 0;
}

// vfio_intx_enable: the handler is registered at once (IRQF_NO_AUTOEN only if virq_disabled, never here).
void SimKernelModel::intxEnable(int trigger)
{
    m_active = IrqIndex::Intx;
    m_intxTrigger = trigger;
    m_intxMasked = false;
    // A device already asserting its level interrupts as soon as the line is enabled.
    if (m_intxLevel)
        intxHandler();
}

void SimKernelModel::intxDisable()
{
    // vfio_intx_disable: the virqfds go, the handler is freed, the trigger released (docs/kernel-vfio-irq.md §2.3).
    setUnmaskFd(-1);
    simfd::release(m_intxTrigger);
    m_intxMasked = false;
    if (m_active == IrqIndex::Intx)
        m_active.reset();
}

// vfio_intx_handler (docs/kernel-vfio-irq.md §2.4). With PCI 2.3 masking the kernel sets DisINTx when the device
// asserts; without it, disable_irq_nosync. Either way the line stays masked until UNMASK, and the trigger is signalled.
void SimKernelModel::intxHandler()
{
    if (!intxEnabled() || m_intxMasked || !m_intxLevel)
        return;
    m_intxMasked = true;
    sendIntx();
}

// vfio_pci_intx_unmask_handler: returns 1 when the device still asserts, so the caller re-signals the trigger
// instead of taking a new interrupt (PCI 2.3: pci_check_and_unmask_intx fails; otherwise enable_irq makes the
// still-asserted line fire again at once, with the same result).
int SimKernelModel::intxUnmaskHandler()
{
    if (!intxEnabled() || !m_intxMasked)
        return 0;
    if (m_intxMaskStuck) {
        ++m_stuckUnmasks; // injected fault: the device's mask bit does not clear
        return 0;
    }
    if (m_intxLevel)
        return 1;
    m_intxMasked = false;
    return 0;
}

void SimKernelModel::sendIntx()
{
    signal(IrqIndex::Intx, m_intxTrigger);
}

void SimKernelModel::setIntxLevel(bool asserted)
{
    m_intxLevel = asserted;
    if (asserted)
        intxHandler();
}

void SimKernelModel::runUnmaskEventfd()
{
    // virqfd_wakeup: the handler, then the inject work re-signals when it returned > 0 (docs/kernel-vfio-irq.md §2.4).
    if (m_intxUnmaskFd >= 0 && intxUnmaskHandler() > 0)
        sendIntx();
}

// vfio_pci_set_intx_mask (docs/kernel-vfio-irq.md §2.4).
int SimKernelModel::intxMask(const vfio_irq_set& h, const std::byte* data)
{
    if (!intxEnabled() || h.start != 0 || h.count != 1)
        return -EINVAL;
    if (dataType(h) == VFIO_IRQ_SET_DATA_EVENTFD)
        return -ENOTTY; // "XXX implement me"
    if (selected(h, data, 0))
        m_intxMasked = true; // a level asserted from now on stays pending until UNMASK
    return 0;
}

// vfio_pci_set_intx_unmask (docs/kernel-vfio-irq.md §2.4); the eventfd form is vfio_virqfd_enable / _disable.
int SimKernelModel::intxUnmask(const vfio_irq_set& h, const std::byte* data)
{
    if (!intxEnabled() || h.start != 0 || h.count != 1)
        return -EINVAL;
    if (dataType(h) == VFIO_IRQ_SET_DATA_EVENTFD) {
        const int32_t fd = fdAt(data, 0);
        if (fd < 0) {
            setUnmaskFd(-1);
            return 0;
        }
        if (const int rc = simfd::check(fd); rc < 0)
            return rc;
        if (m_intxUnmaskFd >= 0)
            return -EBUSY; // vfio_virqfd_enable: one virqfd per slot; remove it with fd -1 first
        const int dup = simfd::take(fd);
        if (dup < 0)
            return dup;
        setUnmaskFd(dup);
        return 0;
    }
    if (selected(h, data, 0) && intxUnmaskHandler() > 0)
        sendIntx();
    return 0;
}

void SimKernelModel::setUnmaskFd(int fd)
{
    if (fd < 0 && m_intxUnmaskFd < 0)
        return;
    simfd::release(m_intxUnmaskFd);
    m_intxUnmaskFd = fd;
    ++m_unmaskGeneration; // tells the hardware thread to watch the new eventfd
}

// vfio_pci_set_msi_trigger (docs/kernel-vfio-irq.md §2.5).
int SimKernelModel::msiTrigger(IrqIndex index, const vfio_irq_set& h, const std::byte* data)
{
    const bool active = m_active == index;
    if (active && h.count == 0 && dataType(h) == VFIO_IRQ_SET_DATA_NONE) {
        msiDisable();
        return 0;
    }
    if (!(active || !m_active))
        return -EINVAL; // one interrupt type at a time
    if (dataType(h) == VFIO_IRQ_SET_DATA_EVENTFD) {
        if (active)
            return msiSetBlock(index, h.start, h.count, data);
        if (const int rc = msiEnable(index, h.start + h.count); rc != 0)
            return rc;
        const int rc = msiSetBlock(index, h.start, h.count, data);
        if (rc != 0)
            msiDisable();
        return rc;
    }
    if (!active)
        return -EINVAL; // so disabling an index that is not enabled is -EINVAL too (§6.2)
    // Loopback. 6.1 checks the range against the vectors the enabling call allocated; 6.12 has no check beyond
    // the table size. Both skip a vector with no trigger and return 0.
    if (!m_dynamicCtx && h.start + h.count > m_numCtx)
        return -EINVAL;
    for (uint32_t i = 0; i < h.count; ++i) {
        if (selected(h, data, i))
            signal(index, m_msiTriggers[h.start + i]);
    }
    return 0;
}

// vfio_msi_enable: pci_alloc_irq_vectors(1, nvec). Short of nvec, the count obtained is returned and nothing is
// enabled; without interrupt remapping x86 gives MSI a single vector (docs/guest-tests.md pitfall 7).
int SimKernelModel::msiEnable(IrqIndex index, uint32_t nvec)
{
    const uint32_t available = index == IrqIndex::Msi && !m_config.interruptRemapping ? 1 : nvec;
    if (available < nvec)
        return static_cast<int>(available);
    m_active = index;
    m_numCtx = nvec;
    std::fill(m_allocated.begin(), m_allocated.end(), 0);
    std::fill(m_allocated.begin(), m_allocated.begin() + nvec, 1);
    return 0;
}

// vfio_msi_set_block: on a failure, the vectors this call already set are de-assigned again.
int SimKernelModel::msiSetBlock(IrqIndex index, uint32_t start, uint32_t count, const std::byte* data)
{
    // 6.1's array ctx: the whole block must lie within the vectors enabled, else -EINVAL with nothing changed.
    if (!m_dynamicCtx && (start >= m_numCtx || start + count > m_numCtx))
        return -EINVAL;
    for (uint32_t i = 0; i < count; ++i) {
        if (const int rc = msiSetVector(index, start + i, fdAt(data, i)); rc != 0) {
            for (uint32_t k = 0; k < i; ++k)
                msiSetVector(index, start + k, -1);
            return rc;
        }
    }
    return 0;
}

// vfio_msi_set_vector_signal: the old trigger is always released first; any fd < 0 leaves the vector off.
int SimKernelModel::msiSetVector(IrqIndex index, uint32_t vector, int32_t fd)
{
    simfd::release(m_msiTriggers[vector]);
    if (fd < 0)
        return 0;
    if (!m_allocated[vector]) {
        // 6.12: only MSI-X with has_dyn_msix allocates a vector on demand (pci_msix_alloc_irq_at); MSI fails.
        if (!(index == IrqIndex::Msix && m_dynamicMsix))
            return -EINVAL;
        m_allocated[vector] = 1;
    }
    if (const int rc = simfd::check(fd); rc < 0)
        return rc;
    const int dup = simfd::take(fd);
    if (dup < 0)
        return dup;
    m_msiTriggers[vector] = dup;
    return 0;
}

void SimKernelModel::msiDisable()
{
    for (auto& fd : m_msiTriggers)
        simfd::release(fd);
    std::fill(m_allocated.begin(), m_allocated.end(), 0);
    m_numCtx = 0;
    if (m_active == IrqIndex::Msi || m_active == IrqIndex::Msix)
        m_active.reset();
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

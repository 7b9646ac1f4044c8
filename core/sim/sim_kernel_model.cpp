#include "sim/sim_kernel_model.h"

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace irqscope::core {

namespace {

constexpr uint32_t kFlagsMask = VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK;

int32_t fdAt(const std::byte* data, uint32_t i)
{
    int32_t fd;
    std::memcpy(&fd, data + 4 * i, 4);
    return fd;
}

bool boolAt(const std::byte* data, uint32_t i)
{
    return std::to_integer<uint8_t>(data[i]) != 0;
}

} // namespace

SimKernelModel::SimKernelModel(const SimConfig& config)
    : m_config(config)
    , m_dynamicMsix(config.kernel == SimKernel::Linux6_12)
    , m_msiTriggers(kMaxMsixVectors, -1)
{}

SimKernelModel::~SimKernelModel()
{
    disableMsi();
    disableIntx();
    release(m_errTrigger);
    release(m_reqTrigger);
}

int SimKernelModel::irqInfo(uint32_t index, IrqInfo& out) const
{
    if (index >= kNumPciIrqIndexes)
        return -EINVAL;
    out = {};
    out.index = index;
    switch (static_cast<IrqIndex>(index)) {
    case IrqIndex::Intx:
        out.count = m_config.intx ? 1 : 0;
        out.flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
        break;
    case IrqIndex::Msi:
        out.count = m_config.msiVectors;
        out.flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE;
        break;
    case IrqIndex::Msix:
        out.count = m_config.msixVectors;
        // NORESIZE is cleared from 6.5 on when the device supports dynamic MSI-X (vfio-irq-facts §1.5).
        out.flags = VFIO_IRQ_INFO_EVENTFD | (m_dynamicMsix ? 0 : VFIO_IRQ_INFO_NORESIZE);
        break;
    case IrqIndex::Err:
        // The ERR index exists only on PCIe; GET_IRQ_INFO fails rather than reporting 0 (§1.2).
        if (!m_config.pcie)
            return -EINVAL;
        out.count = 1;
        out.flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE;
        break;
    case IrqIndex::Req:
        out.count = 1;
        out.flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE;
        break;
    }
    return 0;
}

int SimKernelModel::setIrqs(std::span<const std::byte> request)
{
    // vfio_set_irqs_validate_and_prepare (vfio-irq-facts §1.4).
    if (request.size() < kIrqSetHeaderSize)
        return -EFAULT;
    vfio_irq_set h;
    std::memcpy(&h, request.data(), kIrqSetHeaderSize);
    if (h.argsz < kIrqSetHeaderSize || h.index >= kNumPciIrqIndexes)
        return -EINVAL;
    IrqInfo info;
    const uint32_t max = irqInfo(h.index, info) == 0 ? info.count : 0;
    if (h.count >= UINT32_MAX - h.start)
        return -EINVAL;
    if (h.flags & ~kFlagsMask)
        return -EINVAL;
    if (h.start >= max || h.start + h.count > max)
        return -EINVAL;
    std::size_t size = 0;
    switch (h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
    case VFIO_IRQ_SET_DATA_NONE:
        break;
    case VFIO_IRQ_SET_DATA_BOOL:
        size = 1;
        break;
    case VFIO_IRQ_SET_DATA_EVENTFD:
        size = 4;
        break;
    default:
        return -EINVAL;
    }
    const std::byte* data = request.data() + kIrqSetHeaderSize;
    if (size) {
        if (h.argsz - kIrqSetHeaderSize < size * h.count)
            return -EINVAL;
        if (request.size() - kIrqSetHeaderSize < size * h.count)
            return -EFAULT; // memdup_user would fault
    }
    // Dispatcher (vfio-irq-facts §2.2): an action with no handler is -ENOTTY.
    const uint32_t action = h.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
    switch (static_cast<IrqIndex>(h.index)) {
    case IrqIndex::Intx:
        if (action == VFIO_IRQ_SET_ACTION_MASK)
            return intxMask(h, data);
        if (action == VFIO_IRQ_SET_ACTION_UNMASK)
            return intxUnmask(h, data);
        if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
            return intxTrigger(h, data);
        return -ENOTTY;
    case IrqIndex::Msi:
    case IrqIndex::Msix:
        if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
            return msiTrigger(static_cast<IrqIndex>(h.index), h, data);
        return -ENOTTY;
    case IrqIndex::Err:
        if (action == VFIO_IRQ_SET_ACTION_TRIGGER && m_config.pcie)
            return singleTrigger(m_errTrigger, h, data);
        return -ENOTTY;
    case IrqIndex::Req:
        if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
            return singleTrigger(m_reqTrigger, h, data);
        return -ENOTTY;
    }
    return -ENOTTY;
}

// INTx TRIGGER with the 2024 hardening (6.1.84+ and 6.9+, so Debian's 6.1.192 and 6.12): vfio-irq-facts §2.3.
int SimKernelModel::intxTrigger(const vfio_irq_set& h, const std::byte* data)
{
    const uint32_t type = h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
    if (intxEnabled() && h.count == 0 && type == VFIO_IRQ_SET_DATA_NONE) {
        disableIntx();
        return 0;
    }
    if (!(intxEnabled() || m_type == IrqIndex::Err) || h.start != 0 || h.count != 1)
        return -EINVAL;
    if (type == VFIO_IRQ_SET_DATA_EVENTFD) {
        const int32_t fd = fdAt(data, 0);
        int newTrigger = -1;
        if (fd >= 0) {
            if (const int rc = checkEventfd(fd); rc < 0)
                return rc;
            newTrigger = take(fd);
        }
        if (!intxEnabled()) {
            // The handler is registered even with no trigger (fd -1): INTx enabled, trigger NULL.
            m_type = IrqIndex::Intx;
            m_intxActive = true;
            m_intxMasked = false;
        }
        release(m_intxTrigger);
        m_intxTrigger = newTrigger;
        if (m_intxLevel && !m_intxMasked) {
            m_intxMasked = true;
            signal(m_intxTrigger);
        }
        return 0;
    }
    if (!intxEnabled())
        return -EINVAL;
    if (type == VFIO_IRQ_SET_DATA_NONE || boolAt(data, 0))
        signal(m_intxTrigger); // NULL trigger: a silent success since the hardening (was a NULL dereference)
    return 0;
}

int SimKernelModel::intxMask(const vfio_irq_set& h, const std::byte* data)
{
    if (!intxEnabled() || h.start != 0 || h.count != 1)
        return -EINVAL;
    const uint32_t type = h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
    if (type == VFIO_IRQ_SET_DATA_EVENTFD)
        return -ENOTTY; // "XXX implement me" (vfio-irq-facts §2.4)
    if (type == VFIO_IRQ_SET_DATA_NONE || boolAt(data, 0))
        m_intxMasked = true;
    return 0;
}

int SimKernelModel::intxUnmask(const vfio_irq_set& h, const std::byte* data)
{
    if (!intxEnabled() || h.start != 0 || h.count != 1)
        return -EINVAL;
    const uint32_t type = h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
    if (type == VFIO_IRQ_SET_DATA_EVENTFD) {
        const int32_t fd = fdAt(data, 0);
        if (fd >= 0) {
            if (const int rc = checkEventfd(fd); rc < 0)
                return rc;
            release(m_intxUnmaskFd);
            m_intxUnmaskFd = take(fd);
        } else {
            release(m_intxUnmaskFd);
        }
        return 0;
    }
    if (type == VFIO_IRQ_SET_DATA_NONE || boolAt(data, 0))
        intxUnmaskHandler();
    return 0;
}

void SimKernelModel::intxUnmaskHandler()
{
    if (!intxEnabled() || !m_intxMasked || m_stuckIntx)
        return;
    // PCI 2.3: pci_check_and_unmask_intx() refuses while the device still asserts, and the kernel signals the
    // trigger again instead of taking a new interrupt (vfio-irq-facts §2.4).
    if (m_intxLevel) {
        signal(m_intxTrigger);
        return;
    }
    m_intxMasked = false;
}

void SimKernelModel::setIntxLevel(bool asserted)
{
    m_intxLevel = asserted;
    // The kernel's handler: a device asserting while unmasked is masked and signalled (automask).
    if (asserted && intxEnabled() && !m_intxMasked) {
        m_intxMasked = true;
        signal(m_intxTrigger);
    }
}

// MSI / MSI-X TRIGGER: vfio-irq-facts §2.5, with the 6.1 (array) vs 6.12 (xarray, dynamic MSI-X) differences.
int SimKernelModel::msiTrigger(IrqIndex index, const vfio_irq_set& h, const std::byte* data)
{
    const uint32_t type = h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
    const bool active = m_type == index;
    if (active && h.count == 0 && type == VFIO_IRQ_SET_DATA_NONE) {
        disableMsi();
        return 0;
    }
    if (!active && m_type != IrqIndex::Err)
        return -EINVAL; // another interrupt type is enabled
    if (type == VFIO_IRQ_SET_DATA_EVENTFD) {
        const uint32_t end = h.start + h.count;
        if (!active) {
            // vfio_msi_enable(nvec = start + count): without interrupt remapping x86 gets one MSI vector only,
            // and the kernel returns that count with nothing enabled (pitfall 7).
            if (index == IrqIndex::Msi && end > 1 && !m_config.interruptRemapping)
                return 1;
            m_type = index;
            m_numCtx = end;
        } else if (end > m_numCtx) {
            // Growing: only dynamic MSI-X (6.5+) allocates vectors on demand; 6.1 and MSI give -EINVAL.
            if (!(index == IrqIndex::Msix && m_dynamicMsix))
                return -EINVAL;
            m_numCtx = end;
        }
        for (uint32_t i = 0; i < h.count; ++i) {
            const int32_t fd = fdAt(data, i);
            int newTrigger = -1;
            if (fd >= 0) {
                if (const int rc = checkEventfd(fd); rc < 0) {
                    for (uint32_t k = 0; k < i; ++k)
                        release(m_msiTriggers[h.start + k]); // unwind this call's vectors
                    if (!active)
                        disableMsi();
                    return rc;
                }
                newTrigger = take(fd);
            }
            release(m_msiTriggers[h.start + i]);
            m_msiTriggers[h.start + i] = newTrigger;
        }
        return 0;
    }
    if (!active)
        return -EINVAL;
    // Loopback: 6.1 checks the range against the enabled count; 6.12 has no check beyond the table size.
    if (!m_dynamicMsix && h.start + h.count > m_numCtx)
        return -EINVAL;
    for (uint32_t i = 0; i < h.count; ++i) {
        if (type == VFIO_IRQ_SET_DATA_NONE || boolAt(data, i))
            signal(m_msiTriggers[h.start + i]); // an unconfigured vector is skipped: still 0
    }
    return 0;
}

// ERR and REQ: vfio_pci_set_ctx_trigger_single (vfio-irq-facts §2.6).
int SimKernelModel::singleTrigger(int& trigger, const vfio_irq_set& h, const std::byte* data)
{
    if (h.start != 0 || h.count > 1)
        return -EINVAL;
    switch (h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
    case VFIO_IRQ_SET_DATA_NONE:
        if (trigger < 0)
            return -EINVAL;
        if (h.count)
            signal(trigger);
        else
            release(trigger);
        return 0;
    case VFIO_IRQ_SET_DATA_BOOL:
        if (h.count == 0)
            return -EINVAL;
        if (boolAt(data, 0) && trigger >= 0)
            signal(trigger);
        return 0;
    default: {
        if (h.count == 0)
            return -EINVAL;
        const int32_t fd = fdAt(data, 0);
        if (fd == -1) {
            release(trigger);
        } else if (fd >= 0) {
            if (const int rc = checkEventfd(fd); rc < 0)
                return rc;
            release(trigger);
            trigger = take(fd);
        }
        return 0; // other negative fds are ignored
    }
    }
}

void SimKernelModel::raiseMsi(IrqIndex index, uint32_t vector)
{
    if (m_type == index && vector < m_numCtx)
        signal(m_msiTriggers[vector]);
}

bool SimKernelModel::vectorArmed(IrqIndex index, uint32_t vector) const
{
    if (index == IrqIndex::Intx)
        return intxEnabled() && m_intxTrigger >= 0;
    return m_type == index && vector < m_numCtx && m_msiTriggers[vector] >= 0;
}

uint32_t SimKernelModel::armedVectors() const
{
    if (intxEnabled())
        return m_intxTrigger >= 0 ? 1 : 0;
    uint32_t n = 0;
    if (m_type == IrqIndex::Msi || m_type == IrqIndex::Msix) {
        for (uint32_t i = 0; i < m_numCtx; ++i)
            n += m_msiTriggers[i] >= 0 ? 1 : 0;
    }
    return n;
}

void SimKernelModel::disableMsi()
{
    for (auto& fd : m_msiTriggers)
        release(fd);
    m_numCtx = 0;
    if (m_type == IrqIndex::Msi || m_type == IrqIndex::Msix)
        m_type = IrqIndex::Err;
}

void SimKernelModel::disableIntx()
{
    release(m_intxTrigger);
    release(m_intxUnmaskFd);
    m_intxActive = false;
    m_intxMasked = false;
    if (m_type == IrqIndex::Intx)
        m_type = IrqIndex::Err;
}

void SimKernelModel::signal(int fd)
{
    if (fd < 0)
        return;
    const uint64_t one = 1;
    if (write(fd, &one, sizeof one) == sizeof one)
        ++m_signals;
}

int SimKernelModel::checkEventfd(int fd)
{
    if (fcntl(fd, F_GETFD) < 0)
        return -EBADF;
    char path[64];
    char target[64] = {};
    std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    const ssize_t n = readlink(path, target, sizeof target - 1);
    if (n <= 0 || std::strcmp(target, "anon_inode:[eventfd]") != 0)
        return -EINVAL;
    return 0;
}

int SimKernelModel::take(int fd)
{
    return fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

void SimKernelModel::release(int& fd)
{
    if (fd >= 0)
        close(fd);
    fd = -1;
}

} // namespace irqscope::core

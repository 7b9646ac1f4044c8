// SimKernelModel, INTx: the trigger, automask, MASK/UNMASK and the unmask eventfd (docs/kernel-vfio-irq.md §2.3, §2.4).
#include "sim/sim_kernel_model.h"

#include "sim/sim_eventfd.h"
#include "sim/sim_irq_set_data.h"

#include <algorithm>
#include <cerrno>

namespace irqscope::core {

using namespace simirq;

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

} // namespace irqscope::core

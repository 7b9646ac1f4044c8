// SimKernelModel: vfio-pci's GET_IRQ_INFO / SET_IRQS semantics for the 6.1 and 6.12 kernel lines, errno for errno
// (vfio-irq-facts §1.4, §2.2-§2.6; qemu-vfio-guest.md errno table), plus the INTx line the kernel's handler
// automasks. Not thread-safe by itself: SimDevice serialises calls with its mutex. Holds its own duplicate of
// every eventfd it is given, as the kernel holds an eventfd_ctx reference.
#pragma once

#include "sim/sim_config.h"
#include "vfio/irq_device.h"

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace irqscope::core {

class SimKernelModel
{
public:
    explicit SimKernelModel(const SimConfig& config);
    ~SimKernelModel();
    SimKernelModel(const SimKernelModel&) = delete;
    SimKernelModel& operator=(const SimKernelModel&) = delete;

    int irqInfo(uint32_t index, IrqInfo& out) const;
    int setIrqs(std::span<const std::byte> request);

    // Hardware side.
    void raiseMsi(IrqIndex index, uint32_t vector); // an MSI/MSI-X message: signals the vector's trigger if set
    void setIntxLevel(bool asserted);               // the device's INTx line
    bool intxLevel() const { return m_intxLevel; }
    bool intxMasked() const { return m_intxMasked; }
    bool intxEnabled() const { return m_type == IrqIndex::Intx && m_intxActive; }
    int intxUnmaskFd() const { return m_intxUnmaskFd; }
    void intxUnmaskHandler(); // ACTION_UNMASK, or a write to the unmask eventfd (virqfd)
    bool vectorArmed(IrqIndex index, uint32_t vector) const;
    uint32_t armedVectors() const;
    uint64_t signals() const { return m_signals; }
    void setStuckIntx(bool stuck) { m_stuckIntx = stuck; }

private:
    int intxTrigger(const vfio_irq_set& h, const std::byte* data);
    int intxMask(const vfio_irq_set& h, const std::byte* data);
    int intxUnmask(const vfio_irq_set& h, const std::byte* data);
    int msiTrigger(IrqIndex index, const vfio_irq_set& h, const std::byte* data);
    int singleTrigger(int& trigger, const vfio_irq_set& h, const std::byte* data);
    void disableMsi();
    void disableIntx();
    void signal(int fd);
    static int checkEventfd(int fd); // 0, -EBADF or -EINVAL like eventfd_ctx_fdget
    static int take(int fd);         // our own reference (dup)
    static void release(int& fd);

    SimConfig m_config;
    bool m_dynamicMsix;
    // Which of INTx, MSI, MSI-X is enabled (vdev->irq_type); Err/Req mean none here.
    IrqIndex m_type = IrqIndex::Err;
    bool m_intxActive = false;
    int m_intxTrigger = -1;
    int m_intxUnmaskFd = -1;
    bool m_intxMasked = false;
    bool m_intxLevel = false;
    bool m_stuckIntx = false;
    uint32_t m_numCtx = 0; // vectors allocated by the enabling call (6.1 array ctx)
    std::vector<int> m_msiTriggers;
    int m_errTrigger = -1;
    int m_reqTrigger = -1;
    uint64_t m_signals = 0;
};

} // namespace irqscope::core

// SimKernelModel: vfio-pci's GET_IRQ_INFO and SET_IRQS for the 6.1 and 6.12 kernel lines, errno for errno
// (docs/kernel-vfio-irq.md §1.4, §1.5, §2.2-§2.6; the SET_IRQS table of docs/guest-tests.md §7), plus the kernel's
// interrupt handlers that the simulated hardware drives (INTx automask, unmask, MSI/MSI-X). Pure and single-threaded:
// SimDevice serialises every call with its kernel lock. Holds its own duplicate of every eventfd it is given, as
// the kernel holds an eventfd_ctx reference, and closes it when the vector is de-assigned, disabled or destroyed.
// Loopback, the handlers and the eventfd signals never allocate.
#pragma once

#include "sim/sim_config.h"
#include "vfio/irq_device.h"

#include <array>
#include <cstdint>
#include <optional>
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

    // The ioctls. setIrqs returns 0, a positive shortfall (multi-MSI) or -errno, as the ioctl would.
    int irqInfo(uint32_t index, IrqInfo& out) const;
    int setIrqs(std::span<const std::byte> request);

    // The interrupt side, called by the simulated hardware.
    void setIntxLevel(bool asserted);               // the device's INTx pin (asserting may run the handler)
    void raiseMsi(IrqIndex index, uint32_t vector); // an MSI or MSI-X message from the device
    void runUnmaskEventfd();                        // the virqfd callback: a write to the unmask eventfd
    void setIntxMaskStuck(bool stuck) { m_intxMaskStuck = stuck; }
    // vfio_pci_core_request: the host wants the device back; signals the REQ trigger. False when none is set
    // (the kernel then logs that it is blocked until the user releases the device: docs/kernel-vfio-irq.md §2.6).
    bool requestDevice();
    bool reqArmed() const { return m_reqTrigger >= 0; }

    // State, for the hardware and for tests.
    std::optional<IrqIndex> activeType() const { return m_active; } // vdev->irq_type; nullopt = none
    bool intxEnabled() const { return m_active == IrqIndex::Intx; }
    bool intxLevel() const { return m_intxLevel; }
    bool intxMasked() const { return m_intxMasked; }
    bool hasTrigger(IrqIndex index, uint32_t vector) const;
    uint32_t armedVectors() const;                           // vectors of the active type with a trigger
    std::optional<uint32_t> armedVector(uint32_t nth) const; // the nth of them (subindex)
    int unmaskEventfd() const { return m_intxUnmaskFd; }     // our duplicate, -1 if none
    uint64_t unmaskEventfdGeneration() const { return m_unmaskGeneration; }
    uint64_t signals() const { return m_signals; }
    uint64_t signals(IrqIndex index) const { return m_signalsByIndex[static_cast<uint32_t>(index)]; }
    uint64_t stuckUnmasks() const { return m_stuckUnmasks; }

private:
    uint32_t irqCount(IrqIndex index) const;
    int intxTrigger(const vfio_irq_set& h, const std::byte* data);
    int intxMask(const vfio_irq_set& h, const std::byte* data);
    int intxUnmask(const vfio_irq_set& h, const std::byte* data);
    int msiTrigger(IrqIndex index, const vfio_irq_set& h, const std::byte* data);
    int msiEnable(IrqIndex index, uint32_t nvec);
    int msiSetBlock(IrqIndex index, uint32_t start, uint32_t count, const std::byte* data);
    int msiSetVector(IrqIndex index, uint32_t vector, int32_t fd);
    void msiDisable();
    int singleTrigger(int& trigger, const vfio_irq_set& h, const std::byte* data);
    void intxEnable(int trigger);
    void intxDisable();
    void intxHandler();
    int intxUnmaskHandler();
    void sendIntx();
    void signal(IrqIndex index, int fd);
    void setUnmaskFd(int fd);

    SimConfig m_config;
    bool m_triggerStallDone = false; // SimFaults::triggerStallNs happens once
    bool m_dynamicCtx;               // 6.5+: xarray ctx, on-demand vectors (docs/kernel-vfio-irq.md §2.1)
    bool m_dynamicMsix;              // has_dyn_msix: MSI-X vectors can be added while enabled
    std::optional<IrqIndex> m_active;

    int m_intxTrigger = -1;
    int m_intxUnmaskFd = -1;
    uint64_t m_unmaskGeneration = 0;
    bool m_intxMasked = false;
    bool m_intxLevel = false;
    bool m_intxMaskStuck = false;

    // MSI / MSI-X: one trigger per subindex; `m_allocated` marks the vectors that have a host IRQ
    // (6.1: [0, num_ctx) from the enabling call; 6.12: also those added on demand).
    std::vector<int> m_msiTriggers;
    std::vector<uint8_t> m_allocated;
    uint32_t m_numCtx = 0;

    int m_errTrigger = -1;
    int m_reqTrigger = -1;
    uint64_t m_signals = 0;
    std::array<uint64_t, kNumPciIrqIndexes> m_signalsByIndex{};
    uint64_t m_stuckUnmasks = 0;
};

} // namespace irqscope::core

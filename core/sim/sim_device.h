// SimDevice: the embedded default device. SimKernelModel gives it vfio-pci's exact GET_IRQ_INFO / SET_IRQS
// semantics for the chosen kernel line; SimHardware raises its vectors from its own thread, after the configured
// device latency and through the injected faults, when irqscope writes the raise registers of BAR0 (sim_config.h).
// One kernel lock guards the model, as the kernel's igate and IRQ paths would: setIrqs may run on the engine's
// core thread while the hardware thread signals. The trigger, unmask and regionWrite32 paths never allocate.
#pragma once

#include "sim/sim_config.h"
#include "sim/sim_dma_space.h"
#include "sim/sim_hardware.h"
#include "sim/sim_kernel_model.h"
#include "sim/sim_nvme.h"
#include "sim/sim_xhci.h"
#include "vfio/irq_device.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

namespace irqscope::core {

// One vector as the simulated kernel and hardware see it, for tests.
struct SimVectorState
{
    bool enabled = false; // its index is the active interrupt type
    bool armed = false;   // it has a trigger eventfd
    bool masked = false;  // INTx: masked (automask, user MASK or a stuck mask); MSI/MSI-X: its mask bit is stuck
    bool pending = false; // INTx: level asserted while masked; MSI/MSI-X: a raise held by a stuck mask bit
    bool level = false;   // INTx only: the device asserts its line
};

class SimDevice final : public IrqDevice
{
public:
    explicit SimDevice(SimConfig config);
    ~SimDevice() override;
    SimDevice(const SimDevice&) = delete;
    SimDevice& operator=(const SimDevice&) = delete;

    const DeviceInfo& info() const override { return m_info; }
    int irqInfo(uint32_t index, IrqInfo& out) override;
    int setIrqs(std::span<const std::byte> request) override;
    int regionRead32(uint32_t region, uint64_t offset, uint32_t& value) override;
    int regionWrite32(uint32_t region, uint64_t offset, uint32_t value) override;
    // Plain memory at a simulated IOVA that the nvme model's controller reaches (sim_dma_space.h).
    std::unique_ptr<DmaMemory> allocateDma(std::size_t bytes, std::string& error) override;

    // Test accessors.
    const SimConfig& config() const { return m_config; }
    SimHardwareStats hardwareStats() const;
    SimVectorState vectorState(IrqIndex index, uint32_t vector) const;
    std::optional<IrqIndex> activeType() const;
    uint64_t signals(IrqIndex index) const; // eventfd signals sent for this index (loopback included)
    bool intxMasked() const;
    bool intxLevel() const;
    // The host asks for the device back now (as req-after= does later): signals the REQ trigger if one is set.
    bool requestDevice();
    bool reqArmed() const;
    // The nvme model's controller (nullptr for the registers model) and the DMA buffers still allocated.
    const SimNvme* nvme() const { return m_nvme.get(); }
    const SimXhci* xhci() const { return m_xhci.get(); } // the xhci model's controller, or nullptr
    std::size_t dmaBuffers() const { return m_dma.buffers(); }

private:
    SimConfig m_config;
    DeviceInfo m_info;
    mutable std::mutex m_kernelLock;
    SimKernelModel m_kernel;
    SimHardware m_hardware; // its thread stops before the kernel model goes
    SimDmaSpace m_dma;
    std::unique_ptr<SimNvme> m_nvme; // its thread stops before the DMA space goes
    std::unique_ptr<SimXhci> m_xhci; // last: its thread stops first
};

} // namespace irqscope::core

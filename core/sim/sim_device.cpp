// SimDevice: the IrqDevice facade over the simulated kernel (SimKernelModel) and hardware (SimHardware).
#include "sim/sim_device.h"

#include <fmt/format.h>

#include <cerrno>

namespace irqscope::core {

namespace {

// vfio-pci's regions: BAR0-5, ROM, config space, VGA (VFIO_PCI_NUM_REGIONS).
constexpr uint32_t kNumRegions = VFIO_PCI_NUM_REGIONS;

bool validRegister(const SimConfig& config, uint32_t region, uint64_t offset)
{
    const uint64_t size = config.model == SimModel::Nvme   ? SimNvme::kBarSize
                          : config.model == SimModel::Xhci ? SimXhci::kBarSize
                                                           : simreg::kBarSize;
    return region == simreg::kBar && offset % 4 == 0 && offset <= size - 4;
}

} // namespace

SimDevice::SimDevice(SimConfig config)
    : m_config(std::move(config))
    , m_kernel(m_config)
    , m_hardware(m_config, m_kernel, m_kernelLock)
{
    IrqInfo msi, msix;
    m_kernel.irqInfo(static_cast<uint32_t>(IrqIndex::Msi), msi);
    m_kernel.irqInfo(static_cast<uint32_t>(IrqIndex::Msix), msix);
    if (m_config.model == SimModel::Nvme) {
        // The controller's messages go through the kernel model's MSI-X handler like the registers model's raises.
        m_nvme = std::make_unique<SimNvme>(
            m_config, m_dma,
            [this](uint32_t vector) {
                std::lock_guard lock(m_kernelLock);
                m_kernel.raiseMsi(IrqIndex::Msix, vector);
            },
            [this] {
                std::lock_guard lock(m_kernelLock);
                return m_kernel.activeType() == IrqIndex::Msix;
            });
    }
    if (m_config.model == SimModel::Xhci) {
        m_xhci = std::make_unique<SimXhci>(m_config, m_dma, [this](uint32_t vector) {
            std::lock_guard lock(m_kernelLock);
            m_kernel.raiseMsi(IrqIndex::Msix, vector);
        });
    }
    m_info.id = "sim";
    m_info.description = fmt::format("irqscope simulated {}device (kernel model {}; INTx {}, MSI {}, MSI-X {}{})",
                                     m_config.model == SimModel::Nvme   ? "NVMe "
                                     : m_config.model == SimModel::Xhci ? "xHCI "
                                                                        : "",
                                     simKernelName(m_config.kernel), m_config.intx ? 1 : 0, msi.count, msix.count,
                                     m_config.pcie ? ", PCIe" : ", conventional PCI");
    m_info.flags = VFIO_DEVICE_FLAGS_PCI;
    m_info.numRegions = kNumRegions;
    m_info.numIrqs = kNumPciIrqIndexes;
}

SimDevice::~SimDevice() = default;

int SimDevice::irqInfo(uint32_t index, IrqInfo& out)
{
    std::lock_guard lock(m_kernelLock);
    return m_kernel.irqInfo(index, out);
}

int SimDevice::setIrqs(std::span<const std::byte> request)
{
    int rc;
    bool unmaskChanged;
    {
        std::lock_guard lock(m_kernelLock);
        const uint64_t generation = m_kernel.unmaskEventfdGeneration();
        rc = m_kernel.setIrqs(request);
        unmaskChanged = m_kernel.unmaskEventfdGeneration() != generation;
    }
    if (unmaskChanged)
        m_hardware.unmaskEventfdChanged();
    return rc;
}

int SimDevice::regionRead32(uint32_t region, uint64_t offset, uint32_t& value)
{
    if (!validRegister(m_config, region, offset))
        return -EINVAL;
    value = m_nvme ? m_nvme->read(offset) : m_xhci ? m_xhci->read(offset) : m_hardware.read(offset);
    return 0;
}

int SimDevice::regionWrite32(uint32_t region, uint64_t offset, uint32_t value)
{
    if (!validRegister(m_config, region, offset))
        return -EINVAL;
    if (m_nvme)
        m_nvme->write(offset, value);
    else if (m_xhci)
        m_xhci->write(offset, value);
    else
        m_hardware.write(offset, value);
    return 0;
}

std::unique_ptr<DmaMemory> SimDevice::allocateDma(std::size_t bytes, std::string& error)
{
    auto memory = m_dma.allocate(bytes);
    if (!memory)
        error = "cannot allocate the simulated device's DMA memory";
    return memory;
}

SimHardwareStats SimDevice::hardwareStats() const
{
    SimHardwareStats s = m_hardware.stats();
    std::lock_guard lock(m_kernelLock);
    s.signals = m_kernel.signals();
    s.stuckUnmasks = m_kernel.stuckUnmasks();
    return s;
}

SimVectorState SimDevice::vectorState(IrqIndex index, uint32_t vector) const
{
    std::lock_guard lock(m_kernelLock);
    SimVectorState s;
    s.enabled = m_kernel.activeType() == index;
    s.armed = m_kernel.hasTrigger(index, vector);
    if (index == IrqIndex::Intx) {
        s.level = m_kernel.intxLevel();
        s.masked = s.enabled && m_kernel.intxMasked();
        s.pending = s.masked && s.level;
    } else {
        s.masked = m_hardware.maskStuck(index, vector);
        s.pending = m_hardware.pending(index, vector);
    }
    return s;
}

std::optional<IrqIndex> SimDevice::activeType() const
{
    std::lock_guard lock(m_kernelLock);
    return m_kernel.activeType();
}

uint64_t SimDevice::signals(IrqIndex index) const
{
    std::lock_guard lock(m_kernelLock);
    return m_kernel.signals(index);
}

bool SimDevice::intxMasked() const
{
    std::lock_guard lock(m_kernelLock);
    return m_kernel.intxMasked();
}

bool SimDevice::intxLevel() const
{
    std::lock_guard lock(m_kernelLock);
    return m_kernel.intxLevel();
}

bool SimDevice::requestDevice()
{
    std::lock_guard lock(m_kernelLock);
    return m_kernel.requestDevice();
}

bool SimDevice::reqArmed() const
{
    std::lock_guard lock(m_kernelLock);
    return m_kernel.reqArmed();
}

} // namespace irqscope::core

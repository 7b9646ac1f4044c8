// VfioDevice: the real vfio-pci backend over the container/group interface (type1v2 or no-IOMMU), with one-line
// errors that say what to do for every way opening a device fails.
#include "vfio/vfio_device.h"

#include "vfio/device_owner.h"

#include "vfio/discovery.h"
#include "vfio/vf_token.h"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <utility>

namespace irqscope::core {

namespace {

// Where irqscope's DMA buffers start in the device's address space: below 4 GiB, so any IOMMU address width
// reaches it, and far from the x86 MSI window at 0xfee00000, which type1 reserves (docs/dma-triggers.md §1).
constexpr uint64_t kIovaBase = 0x1000'0000;

// Anonymous memory, locked, mapped for the device with VFIO_IOMMU_MAP_DMA; unmapped, unlocked and freed by the
// destructor. A process that dies keeps no mapping: closing the container releases the IOMMU domain and every
// mapping in it (docs/dma-triggers.md §1).
class VfioDmaMemory final : public DmaMemory
{
public:
    VfioDmaMemory(int container, uint8_t* data, std::size_t size, uint64_t iova)
        : m_container(container)
        , m_data(data)
        , m_size(size)
        , m_iova(iova)
    {}
    ~VfioDmaMemory() override
    {
        vfio_iommu_type1_dma_unmap unmap{};
        unmap.argsz = sizeof unmap;
        unmap.iova = m_iova;
        unmap.size = m_size;
        (void)ioctl(m_container, VFIO_IOMMU_UNMAP_DMA, &unmap);
        munlock(m_data, m_size);
        munmap(m_data, m_size);
    }
    uint8_t* data() override { return m_data; }
    std::size_t size() const override { return m_size; }
    uint64_t iova() const override { return m_iova; }

private:
    int m_container;
    uint8_t* m_data;
    std::size_t m_size;
    uint64_t m_iova;
};

// The vfio-pci device behind a container and group fd: docs/kernel-vfio-irq.md §1.
class VfioDevice final : public IrqDevice
{
public:
    VfioDevice(int container, int group, int device, DeviceInfo info, bool noIommu)
        : m_container(container)
        , m_group(group)
        , m_device(device)
        , m_info(std::move(info))
        , m_noIommu(noIommu)
    {
        // Resolve the BARs up front so that region access on the core thread makes no ioctl; map BAR0 where the
        // region allows it (VFIO_REGION_INFO_FLAG_MMAP) and use the mapping for writes.
        for (uint32_t r = 0; r < m_regions.size() && r < m_info.numRegions; ++r)
            lookupRegion(r);
        m_busMaster = enableMemoryAndBusMaster();
        auto& bar0 = m_regions[VFIO_PCI_BAR0_REGION_INDEX];
        if (bar0.known && (bar0.flags & VFIO_REGION_INFO_FLAG_MMAP) && bar0.size > 0 && bar0.size <= (1ull << 30)) {
            void* p =
                mmap(nullptr, bar0.size, PROT_READ | PROT_WRITE, MAP_SHARED, m_device, static_cast<off_t>(bar0.offset));
            if (p != MAP_FAILED)
                m_bar0 = static_cast<volatile uint8_t*>(p);
        }
    }
    ~VfioDevice() override
    {
        if (m_bar0)
            munmap(const_cast<uint8_t*>(m_bar0), m_regions[VFIO_PCI_BAR0_REGION_INDEX].size);
        // Closing the device fd makes the kernel disarm every vector (docs/kernel-vfio-irq.md §2.8).
        close(m_device);
        close(m_group);
        close(m_container);
    }
    VfioDevice(const VfioDevice&) = delete;
    VfioDevice& operator=(const VfioDevice&) = delete;

    const DeviceInfo& info() const override { return m_info; }
    bool busMaster() const { return m_busMaster; }

    int irqInfo(uint32_t index, IrqInfo& out) override
    {
        vfio_irq_info info{};
        info.argsz = sizeof info;
        info.index = index;
        if (ioctl(m_device, VFIO_DEVICE_GET_IRQ_INFO, &info) < 0)
            return -errno;
        out.index = info.index;
        out.flags = info.flags;
        out.count = info.count;
        return 0;
    }

    int setIrqs(std::span<const std::byte> request) override
    {
        // The ioctl's own return value: a positive count is the multi-MSI shortfall (docs/kernel-vfio-irq.md §2.5).
        const int rc = ioctl(m_device, VFIO_DEVICE_SET_IRQS, request.data());
        return rc < 0 ? -errno : rc;
    }

    int regionRead32(uint32_t region, uint64_t offset, uint32_t& value) override
    {
        uint64_t at = 0;
        if (const int rc = locate(region, offset, at); rc < 0)
            return rc;
        const ssize_t n = pread(m_device, &value, 4, static_cast<off_t>(at));
        return n == 4 ? 0 : (n < 0 ? -errno : -EIO);
    }

    int regionWrite32(uint32_t region, uint64_t offset, uint32_t value) override
    {
        uint64_t at = 0;
        if (const int rc = locate(region, offset, at); rc < 0)
            return rc;
        if (region == VFIO_PCI_BAR0_REGION_INDEX && m_bar0) {
            // One aligned 32-bit store: edu ignores narrower accesses (docs/guest-tests.md pitfall 6).
            *reinterpret_cast<volatile uint32_t*>(m_bar0 + offset) = value;
            return 0;
        }
        const ssize_t n = pwrite(m_device, &value, 4, static_cast<off_t>(at));
        return n == 4 ? 0 : (n < 0 ? -errno : -EIO);
    }

    std::unique_ptr<DmaMemory> allocateDma(std::size_t bytes, std::string& error) override
    {
        if (m_noIommu) {
            // No-IOMMU containers implement no VFIO_IOMMU_MAP_DMA (docs/dma-triggers.md §2).
            error = fmt::format("{} is in no-IOMMU mode: device-raised command triggers need the device to write to "
                                "memory by DMA, which only an IOMMU (type1) maps: use --trigger loopback, or boot with "
                                "the IOMMU on (intel_iommu=on / amd_iommu=on)",
                                m_info.id);
            return nullptr;
        }
        const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
        const std::size_t size = (bytes + page - 1) / page * page;
        void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            error = fmt::format("cannot allocate {} bytes of DMA memory: {}", size, std::strerror(errno));
            return nullptr;
        }
        // Locked so the pages stay where the IOMMU maps them (type1 pins them too, and counts them against
        // RLIMIT_MEMLOCK).
        if (mlock(p, size) < 0) {
            const int err = errno;
            munmap(p, size);
            error = fmt::format("cannot lock {} bytes of DMA memory: {} (raise `ulimit -l` or run as root)", size,
                                std::strerror(err));
            return nullptr;
        }
        vfio_iommu_type1_dma_map map{};
        map.argsz = sizeof map;
        map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
        map.vaddr = reinterpret_cast<uint64_t>(p);
        map.iova = kIovaBase + m_nextIova;
        map.size = size;
        if (ioctl(m_container, VFIO_IOMMU_MAP_DMA, &map) < 0) {
            const int err = errno;
            munlock(p, size);
            munmap(p, size);
            error = fmt::format("VFIO_IOMMU_MAP_DMA of {} bytes at IOVA {:#x} failed: {}{}", size, map.iova,
                                std::strerror(err),
                                err == ENOMEM ? " (the locked-memory limit: raise `ulimit -l` or run as root)" : "");
            return nullptr;
        }
        m_nextIova += size;
        return std::make_unique<VfioDmaMemory>(m_container, static_cast<uint8_t*>(p), size, map.iova);
    }

private:
    struct Region
    {
        bool known = false;
        uint32_t flags = 0;
        uint64_t offset = 0;
        uint64_t size = 0;
    };

    // MSI and MSI-X messages are memory writes by the device: without Bus Master Enable in the command register
    // a device-raised MSI is dropped (QEMU drops it too), and BAR accesses need Memory Space Enable. vfio-pci
    // enables the device but leaves bus mastering to the user driver, as DPDK and QEMU's guest drivers set it.
    bool enableMemoryAndBusMaster()
    {
        constexpr uint64_t kCommand = 0x04;
        constexpr uint16_t kMemory = 0x2, kBusMaster = 0x4;
        const auto& config = m_regions[VFIO_PCI_CONFIG_REGION_INDEX];
        if (!config.known)
            return false;
        uint16_t command = 0;
        const auto at = static_cast<off_t>(config.offset + kCommand);
        if (pread(m_device, &command, sizeof command, at) != static_cast<ssize_t>(sizeof command))
            return false;
        if ((command & (kMemory | kBusMaster)) == (kMemory | kBusMaster))
            return true;
        command |= kMemory | kBusMaster;
        return pwrite(m_device, &command, sizeof command, at) == static_cast<ssize_t>(sizeof command);
    }

    void lookupRegion(uint32_t region)
    {
        vfio_region_info info{};
        info.argsz = sizeof info;
        info.index = region;
        if (ioctl(m_device, VFIO_DEVICE_GET_REGION_INFO, &info) == 0)
            m_regions[region] = {true, info.flags, info.offset, info.size};
    }

    int locate(uint32_t region, uint64_t offset, uint64_t& at) const
    {
        if (region >= m_regions.size() || !m_regions[region].known)
            return -EINVAL;
        const auto& r = m_regions[region];
        if (offset % 4 || offset + 4 > r.size)
            return -EINVAL;
        at = r.offset + offset;
        return 0;
    }

    int m_container;
    int m_group;
    int m_device;
    DeviceInfo m_info;
    std::array<Region, VFIO_PCI_NUM_REGIONS> m_regions{};
    volatile uint8_t* m_bar0 = nullptr;
    bool m_busMaster = false;
    bool m_noIommu = false;
    uint64_t m_nextIova = 0; // each buffer gets fresh IOVAs; freed ones are not reused
};

// Closes what it holds unless released: the open sequence below gives up at any step.
class Fd
{
public:
    explicit Fd(int fd = -1)
        : m_fd(fd)
    {}
    ~Fd()
    {
        if (m_fd >= 0)
            close(m_fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return m_fd; }
    int release() { return std::exchange(m_fd, -1); }

private:
    int m_fd;
};

std::string ownerText(const std::string& groupPath)
{
    if (const auto owner = findVfioOwner({groupPath}))
        return fmt::format("{} (pid {})", owner->name, owner->pid);
    return "another process (a VM or another irqscope)";
}

std::string openError(int err, const DiscoveredDevice& d, const std::string& path)
{
    if ((err == EPERM || err == EACCES) && d.noIommu)
        return fmt::format("{}: no-IOMMU devices need CAP_SYS_RAWIO: run irqscope as root", path);
    if (err == EPERM || err == EACCES)
        return fmt::format("permission denied on {}: run as root, or give your user access to {} "
                           "(chown/chmod or a udev rule for the vfio group)",
                           path, path);
    if (err == EBUSY)
        return fmt::format("{} is busy: {} has IOMMU group {} open; stop it first", path, ownerText(d.groupPath),
                           d.iommuGroup);
    return fmt::format("cannot open {}: {}", path, std::strerror(err));
}

} // namespace

std::unique_ptr<IrqDevice> openVfioDevice(const std::string& bdf, std::string& error, const VfioOpenOptions& options)
{
    if (error = vfTokenUsageError(options.vfToken); !error.empty())
        return nullptr;
    const auto d = readPciDevice(bdf);
    if (!d) {
        error = fmt::format("no PCI device {}: check the address with `lspci -D` or `irqscope list`", bdf);
        return nullptr;
    }
    if (!d->problem.empty()) {
        error = fmt::format("{}: {}", bdf, d->problem);
        return nullptr;
    }
    std::error_code ec;
    if (!std::filesystem::exists("/dev/vfio/vfio", ec)) {
        error = "/dev/vfio/vfio is missing: the vfio modules are not loaded (modprobe vfio-pci)";
        return nullptr;
    }
    if (!std::filesystem::exists(d->groupPath, ec)) {
        error = fmt::format("{} is missing although {} is bound to vfio-pci: check that vfio-pci finished probing "
                            "it (dmesg)",
                            d->groupPath, bdf);
        return nullptr;
    }
    Fd container(open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC));
    if (container.get() < 0) {
        error = openError(errno, *d, "/dev/vfio/vfio");
        return nullptr;
    }
    if (ioctl(container.get(), VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
        error = fmt::format("the kernel's VFIO API version is not {}: this kernel is not supported", VFIO_API_VERSION);
        return nullptr;
    }
    const unsigned long iommu = d->noIommu ? VFIO_NOIOMMU_IOMMU : VFIO_TYPE1v2_IOMMU;
    if (ioctl(container.get(), VFIO_CHECK_EXTENSION, iommu) <= 0) {
        error = d->noIommu ? "the vfio module has no no-IOMMU support: load it with enable_unsafe_noiommu_mode=1 "
                             "(a kernel built with CONFIG_VFIO_NOIOMMU)"
                           : "the kernel offers no VFIO type1v2 IOMMU: load vfio_iommu_type1 (modprobe "
                             "vfio_iommu_type1)";
        return nullptr;
    }
    Fd group(open(d->groupPath.c_str(), O_RDWR | O_CLOEXEC));
    if (group.get() < 0) {
        error = openError(errno, *d, d->groupPath);
        return nullptr;
    }
    vfio_group_status status{};
    status.argsz = sizeof status;
    if (ioctl(group.get(), VFIO_GROUP_GET_STATUS, &status) < 0) {
        error = fmt::format("VFIO_GROUP_GET_STATUS on {} failed: {}", d->groupPath, std::strerror(errno));
        return nullptr;
    }
    if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
        error = fmt::format("IOMMU group {} is not viable: other devices in it are bound to host drivers; bind every "
                            "device in /sys/kernel/iommu_groups/{}/devices to vfio-pci",
                            d->iommuGroup, d->iommuGroup);
        return nullptr;
    }
    const int containerFd = container.get();
    if (ioctl(group.get(), VFIO_GROUP_SET_CONTAINER, &containerFd) < 0) {
        error = errno == EBUSY ? openError(EBUSY, *d, d->groupPath)
                               : fmt::format("cannot attach {} to a container: {}", d->groupPath, std::strerror(errno));
        return nullptr;
    }
    if (ioctl(container.get(), VFIO_SET_IOMMU, iommu) < 0) {
        const int err = errno;
        error = (err == EPERM && d->noIommu)
                    ? openError(EPERM, *d, d->groupPath)
                    : fmt::format("VFIO_SET_IOMMU ({}) on {} failed: {}", d->noIommu ? "no-IOMMU" : "type1v2",
                                  d->groupPath, std::strerror(err));
        return nullptr;
    }
    // With a token the name is "BDF vf_token=UUID", which vfio_pci_core_match() splits (docs/kernel-vfio-irq.md §1.8).
    const std::string name = vfioDeviceName(bdf, options.vfToken);
    Fd device(ioctl(group.get(), VFIO_GROUP_GET_DEVICE_FD, name.c_str()));
    if (device.get() < 0) {
        const int err = errno;
        error = vfTokenOpenError(
            err, {bdf, d->physicalFunction, d->physicalFunctionDriver, d->sriov.has_value(), !options.vfToken.empty()});
        if (!error.empty())
            return nullptr;
        error = err == EBUSY ? openError(EBUSY, *d, bdf)
                : (err == EPERM && d->noIommu)
                    ? openError(EPERM, *d, d->groupPath)
                    : fmt::format("cannot get the device fd of {} from {}: {}", bdf, d->groupPath, std::strerror(err));
        return nullptr;
    }
    vfio_device_info info{};
    info.argsz = sizeof info;
    if (ioctl(device.get(), VFIO_DEVICE_GET_INFO, &info) < 0) {
        error = fmt::format("VFIO_DEVICE_GET_INFO on {} failed: {}", bdf, std::strerror(errno));
        return nullptr;
    }
    DeviceInfo di;
    di.id = bdf;
    di.description = fmt::format("{:04x}:{:04x} vfio-pci{}, IOMMU group {} ({})", d->vendor, d->device,
                                 d->physicalFunction.empty() ? "" : ", VF of " + d->physicalFunction, d->iommuGroup,
                                 d->noIommu ? "no-IOMMU" : "type1v2");
    di.flags = info.flags;
    di.numRegions = info.num_regions;
    di.numIrqs = info.num_irqs;
    return std::make_unique<VfioDevice>(container.release(), group.release(), device.release(), std::move(di),
                                        d->noIommu);
}

} // namespace irqscope::core

#include "vfio/vfio_device.h"

#include "vfio/discovery.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace irqscope::core {

namespace {

// The vfio-pci device behind a container and group fd (type1v2 or no-IOMMU): vfio-irq-facts §1.
class VfioDevice final : public IrqDevice
{
public:
    VfioDevice(int container, int group, int device, DeviceInfo info)
        : m_container(container)
        , m_group(group)
        , m_device(device)
        , m_info(std::move(info))
    {}
    ~VfioDevice() override
    {
        // Closing the device fd makes the kernel disarm every vector (vfio-irq-facts §2.8).
        close(m_device);
        close(m_group);
        close(m_container);
    }

    const DeviceInfo& info() const override { return m_info; }

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
        // The ioctl's own return value: a positive count is the multi-MSI shortfall (vfio-irq-facts §2.5).
        const int rc = ioctl(m_device, VFIO_DEVICE_SET_IRQS, request.data());
        return rc < 0 ? -errno : rc;
    }

    int regionRead32(uint32_t region, uint64_t offset, uint32_t& value) override
    {
        uint64_t base = 0;
        if (const int rc = regionOffset(region, offset, base); rc < 0)
            return rc;
        return pread(m_device, &value, 4, static_cast<off_t>(base + offset)) == 4 ? 0 : -(errno ? errno : EIO);
    }

    int regionWrite32(uint32_t region, uint64_t offset, uint32_t value) override
    {
        uint64_t base = 0;
        if (const int rc = regionOffset(region, offset, base); rc < 0)
            return rc;
        return pwrite(m_device, &value, 4, static_cast<off_t>(base + offset)) == 4 ? 0 : -(errno ? errno : EIO);
    }

private:
    int regionOffset(uint32_t region, uint64_t offset, uint64_t& base)
    {
        if (region >= m_regions.size())
            return -EINVAL;
        auto& r = m_regions[region];
        if (!r.known) {
            vfio_region_info info{};
            info.argsz = sizeof info;
            info.index = region;
            if (ioctl(m_device, VFIO_DEVICE_GET_REGION_INFO, &info) < 0)
                return -errno;
            r = {true, info.offset, info.size};
        }
        if (offset % 4 || offset + 4 > r.size)
            return -EINVAL;
        base = r.offset;
        return 0;
    }

    struct Region
    {
        bool known = false;
        uint64_t offset = 0;
        uint64_t size = 0;
    };
    int m_container;
    int m_group;
    int m_device;
    DeviceInfo m_info;
    std::array<Region, VFIO_PCI_NUM_REGIONS> m_regions{};
};

std::string accessHint(int err, const std::string& path)
{
    if (err == EACCES || err == EPERM)
        return fmt::format("permission denied on {}: run as root or give your user access to it (udev rule)", path);
    if (err == EBUSY)
        return fmt::format("{} is busy: another process (a VM or another irqscope) holds it; `irqscope list` names "
                           "the owner",
                           path);
    return fmt::format("cannot open {}: {}", path, std::strerror(err));
}

} // namespace

std::unique_ptr<IrqDevice> openVfioDevice(const std::string& bdf, std::string& error)
{
    const auto d = describePciDevice(bdf);
    if (!d) {
        error = fmt::format("no PCI device {}: check the address with `lspci -D` or `irqscope list`", bdf);
        return nullptr;
    }
    if (!d->problem.empty()) {
        error = fmt::format("{}: {}", bdf, d->problem);
        return nullptr;
    }
    const int container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
    if (container < 0) {
        error = errno == ENOENT ? "/dev/vfio/vfio is missing: load the vfio-pci module (modprobe vfio-pci)"
                                : accessHint(errno, "/dev/vfio/vfio");
        return nullptr;
    }
    const int group = open(d->groupPath.c_str(), O_RDWR | O_CLOEXEC);
    if (group < 0) {
        error = d->noIommu && (errno == EPERM || errno == EACCES)
                    ? fmt::format("{}: no-IOMMU groups need CAP_SYS_RAWIO: run as root", d->groupPath)
                    : accessHint(errno, d->groupPath);
        close(container);
        return nullptr;
    }
    auto fail = [&](std::string message) -> std::unique_ptr<IrqDevice> {
        error = std::move(message);
        close(group);
        close(container);
        return nullptr;
    };
    vfio_group_status status{};
    status.argsz = sizeof status;
    if (ioctl(group, VFIO_GROUP_GET_STATUS, &status) < 0)
        return fail(fmt::format("VFIO_GROUP_GET_STATUS on {} failed: {}", d->groupPath, std::strerror(errno)));
    if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
        return fail(fmt::format("IOMMU group {} is not viable: bind every device in "
                                "/sys/kernel/iommu_groups/{}/devices to vfio-pci",
                                d->iommuGroup, d->iommuGroup));
    if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0)
        return fail(fmt::format("cannot attach {} to a container: {}", d->groupPath, std::strerror(errno)));
    const unsigned long iommu = d->noIommu ? VFIO_NOIOMMU_IOMMU : VFIO_TYPE1v2_IOMMU;
    if (ioctl(container, VFIO_SET_IOMMU, iommu) < 0)
        return fail(
            fmt::format("VFIO_SET_IOMMU ({}) failed: {}", d->noIommu ? "no-IOMMU" : "type1v2", std::strerror(errno)));
    const int device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf.c_str());
    if (device < 0)
        return fail(errno == EBUSY ? accessHint(EBUSY, bdf)
                                   : fmt::format("cannot get the device fd of {}: {}", bdf, std::strerror(errno)));
    vfio_device_info info{};
    info.argsz = sizeof info;
    if (ioctl(device, VFIO_DEVICE_GET_INFO, &info) < 0) {
        close(device);
        return fail(fmt::format("VFIO_DEVICE_GET_INFO on {} failed: {}", bdf, std::strerror(errno)));
    }
    DeviceInfo di;
    di.id = bdf;
    di.description =
        fmt::format("{:04x}:{:04x} vfio-pci {}", d->vendor, d->device, d->noIommu ? "(no-IOMMU)" : "(type1v2)");
    di.flags = info.flags;
    di.numRegions = info.num_regions;
    di.numIrqs = info.num_irqs;
    return std::make_unique<VfioDevice>(container, group, device, std::move(di));
}

} // namespace irqscope::core

// A fake sysfs tree in a temp dir for discovery and `irqscope list --sysfs-root`: PCI devices with ids, config
// space, driver, IOMMU group, and SR-IOV links (a VF's physfn, a PF's sriov_* files).
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <unistd.h>
#include <utility>

namespace irqscope::test {

// A 256-byte config space with the capabilities given as (id, control) in a chain from 0x40.
inline std::string fakeConfigSpace(uint8_t pin, std::initializer_list<std::pair<uint8_t, uint16_t>> caps)
{
    std::string c(256, '\0');
    c[0x06] = caps.size() ? 0x10 : 0; // status: capability list
    c[0x3d] = static_cast<char>(pin);
    uint8_t pos = 0x40;
    c[0x34] = caps.size() ? static_cast<char>(pos) : 0;
    std::size_t i = 0;
    for (const auto& [id, control] : caps) {
        c[pos] = static_cast<char>(id);
        c[pos + 1] = ++i < caps.size() ? static_cast<char>(pos + 0x10) : 0;
        c[pos + 2] = static_cast<char>(control & 0xff);
        c[pos + 3] = static_cast<char>(control >> 8);
        pos += 0x10;
    }
    return c;
}

class FakeSysfs
{
public:
    // `tag` keeps trees of tests running in parallel apart.
    explicit FakeSysfs(const std::string& tag = "sysfs")
        : m_root(std::filesystem::temp_directory_path() / ("irqscope_" + tag + "_" + std::to_string(getpid())))
    {
        namespace fs = std::filesystem;
        fs::remove_all(m_root);
        fs::create_directories(m_root / "bus/pci/devices");
        fs::create_directories(m_root / "bus/pci/drivers/vfio-pci");
        fs::create_directories(m_root / "bus/pci/drivers/e1000e");
        fs::create_directories(m_root / "bus/pci/drivers/igb");
    }
    ~FakeSysfs() { std::filesystem::remove_all(m_root); }
    FakeSysfs(const FakeSysfs&) = delete;
    FakeSysfs& operator=(const FakeSysfs&) = delete;

    void add(const std::string& bdf, const std::string& vendor, const std::string& device, const std::string& driver,
             int group, bool noIommu, const std::string& config)
    {
        namespace fs = std::filesystem;
        const auto dir = deviceDir(bdf);
        fs::create_directories(dir);
        std::ofstream(dir / "vendor") << vendor << "\n";
        std::ofstream(dir / "device") << device << "\n";
        std::ofstream(dir / "config", std::ios::binary) << config;
        fs::create_directory_symlink(dir, m_root / "bus/pci/devices" / bdf);
        if (!driver.empty()) {
            fs::create_directory_symlink(m_root / "bus/pci/drivers" / driver, dir / "driver");
            if (driver == "vfio-pci")
                fs::create_directory_symlink(dir, m_root / "bus/pci/drivers/vfio-pci" / bdf);
        }
        if (group >= 0) {
            const auto g = m_root / "kernel/iommu_groups" / std::to_string(group);
            fs::create_directories(g);
            if (noIommu)
                std::ofstream(g / "name") << "vfio-noiommu\n";
            fs::create_directory_symlink(g, dir / "iommu_group");
        }
    }

    // A PF: sriov_totalvfs and sriov_numvfs, and a virtfnN link per enabled VF (as the kernel's pci_iov does).
    void makePf(const std::string& bdf, unsigned numVfs, unsigned totalVfs)
    {
        std::ofstream(deviceDir(bdf) / "sriov_totalvfs") << totalVfs << "\n";
        std::ofstream(deviceDir(bdf) / "sriov_numvfs") << numVfs << "\n";
    }

    // A VF of `pf`: its physfn link, and the PF's virtfnN link back.
    void makeVf(const std::string& bdf, const std::string& pf, unsigned index)
    {
        namespace fs = std::filesystem;
        fs::create_directory_symlink(deviceDir(pf), deviceDir(bdf) / "physfn");
        fs::create_directory_symlink(deviceDir(bdf), deviceDir(pf) / ("virtfn" + std::to_string(index)));
    }

    std::string root() const { return m_root.string(); }

private:
    std::filesystem::path deviceDir(const std::string& bdf) const { return m_root / "devices/pci0000:00" / bdf; }

    std::filesystem::path m_root;
};

} // namespace irqscope::test

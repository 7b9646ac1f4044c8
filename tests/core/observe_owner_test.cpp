// Ownership scan against fake procfs and sysfs trees: group, no-IOMMU and cdev nodes, the calling process
// skipped, the lowest pid chosen, and the one-line error for arming an owned device.
#include "vfio/device_owner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace irqscope::core;
namespace fs = std::filesystem;

namespace {

class FakeTree
{
public:
    FakeTree()
        : m_root(fs::temp_directory_path() / ("irqscope_observe_owner_" + std::to_string(getpid())))
    {
        fs::remove_all(m_root);
        fs::create_directories(m_root / "proc");
        fs::create_directories(m_root / "sys/bus/pci/devices");
    }
    ~FakeTree() { fs::remove_all(m_root); }

    std::string proc() const { return (m_root / "proc").string(); }
    std::string sys() const { return (m_root / "sys").string(); }

    // A process with `comm` whose fds link to `targets` (fd numbers from 3).
    void process(int pid, const std::string& comm, std::initializer_list<std::string> targets)
    {
        const auto dir = m_root / "proc" / std::to_string(pid);
        fs::create_directories(dir / "fd");
        std::ofstream(dir / "comm") << comm << "\n";
        int fd = 3;
        for (const auto& t : targets)
            fs::create_symlink(t, dir / "fd" / std::to_string(fd++));
    }
    void cdev(const std::string& bdf, const std::string& name)
    {
        fs::create_directories(m_root / "sys/bus/pci/devices" / bdf / "vfio-dev" / name);
    }
    void file(const std::string& relative, const std::string& text)
    {
        fs::create_directories((m_root / relative).parent_path());
        std::ofstream(m_root / relative) << text;
    }

private:
    fs::path m_root;
};

DiscoveredDevice device(const std::string& bdf, const std::string& groupPath)
{
    DiscoveredDevice d;
    d.bdf = bdf;
    d.groupPath = groupPath;
    return d;
}

} // namespace

TEST(ObserveOwner, FindsTheProcessHoldingTheGroupNode)
{
    FakeTree t;
    t.process(1, "systemd", {"/dev/null", "socket:[1234]"});
    t.process(4242, "qemu-system-x86", {"/dev/null", "/dev/vfio/vfio", "/dev/vfio/12", "anon_inode:[eventfd]"});
    t.process(77, "bash", {"/dev/pts/0"});
    t.file("proc/self", "not a pid directory");
    t.file("proc/interrupts", "");
    const auto nodes = vfioNodesOf(device("0000:01:00.0", "/dev/vfio/12"), t.sys());
    ASSERT_EQ(nodes, std::vector<std::string>{"/dev/vfio/12"});
    const auto owner = findVfioOwner(nodes, t.proc(), 1);
    ASSERT_TRUE(owner);
    EXPECT_EQ(owner->name, "qemu-system-x86");
    EXPECT_EQ(owner->pid, 4242);
    EXPECT_EQ(owner->node, "/dev/vfio/12");
    // Another group is free.
    EXPECT_FALSE(findVfioOwner({"/dev/vfio/13"}, t.proc(), 1));
    EXPECT_FALSE(findVfioOwner({}, t.proc(), 1));
}

TEST(ObserveOwner, NoIommuAndCdevNodes)
{
    FakeTree t;
    t.cdev("0000:00:02.0", "vfio0");
    const auto nodes = vfioNodesOf(device("0000:00:02.0", "/dev/vfio/noiommu-0"), t.sys());
    ASSERT_EQ(nodes, (std::vector<std::string>{"/dev/vfio/noiommu-0", "/dev/vfio/devices/vfio0"}));

    t.process(300, "dpdk-testpmd", {"/dev/vfio/devices/vfio0"});
    auto owner = findVfioOwner(nodes, t.proc(), 1);
    ASSERT_TRUE(owner);
    EXPECT_EQ(owner->name, "dpdk-testpmd");
    EXPECT_EQ(owner->node, "/dev/vfio/devices/vfio0");

    // A device with no group (cdev only) still has its device node.
    EXPECT_EQ(vfioNodesOf(device("0000:00:02.0", ""), t.sys()), std::vector<std::string>{"/dev/vfio/devices/vfio0"});
}

TEST(ObserveOwner, SkipsTheCallerAndPrefersTheLowestPid)
{
    FakeTree t;
    t.process(900, "irqscope", {"/dev/vfio/5"});
    EXPECT_FALSE(findVfioOwner({"/dev/vfio/5"}, t.proc(), 900)); // only the caller holds it
    t.process(1200, "qemu-child", {"/dev/vfio/5"});
    t.process(1100, "qemu-system-x86", {"/dev/vfio/5"});
    const auto owner = findVfioOwner({"/dev/vfio/5"}, t.proc(), 900);
    ASSERT_TRUE(owner);
    EXPECT_EQ(owner->pid, 1100);
    EXPECT_EQ(owner->name, "qemu-system-x86");
}

TEST(ObserveOwner, UnreadableOrOddEntriesAreSkipped)
{
    FakeTree t;
    t.file("proc/55/comm", "kworker\n"); // no fd directory (a kernel thread, or not permitted)
    t.process(56, "", {"/dev/vfio/3"});  // empty comm: named by pid
    const auto owner = findVfioOwner({"/dev/vfio/3"}, t.proc(), 1);
    ASSERT_TRUE(owner);
    EXPECT_EQ(owner->name, "pid 56");
    EXPECT_FALSE(findVfioOwner({"/dev/vfio/3"}, t.proc() + "/missing", 1));
}

TEST(ObserveOwner, OwnedErrorIsOneLineNamingTheOwnerAndObserve)
{
    const auto text = ownedDeviceError("0000:01:00.0", {"qemu-system-x86", 4242, "/dev/vfio/12", std::nullopt});
    EXPECT_EQ(text.find('\n'), std::string::npos);
    EXPECT_NE(text.find("qemu-system-x86 (pid 4242"), std::string::npos) << text;
    EXPECT_NE(text.find("/dev/vfio/12"), std::string::npos) << text;
    EXPECT_NE(text.find("irqscope run --observe 0000:01:00.0"), std::string::npos) << text;
}

// Opening the real device: the one-line errors (wrong BDF, not bound to vfio-pci, group busy, no-IOMMU without
// CAP_SYS_RAWIO), a non-root user with access to /dev/vfio/N only, and disarm when the holder closes or dies.
#include "vm_support.h"

#include "vfio/vfio_device.h"

#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>

using namespace irqscope::vmtest;

namespace {

bool hasVfioActions(const std::string& bdf)
{
    return !readHostIrqs(bdf).empty();
}

// Runs `body` in a child process; returns its exit status (or 128 + signal).
template<typename F>
int inChild(F body)
{
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0)
        _exit(body());
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace

TEST(VmOpen, OneLineErrorsSayWhatToDo)
{
    IRQSCOPE_REQUIRE_DEVICE(bdf, DeviceKind::Edu);
    std::string error;
    EXPECT_EQ(openVfioDevice("0000:00:0f.7", error), nullptr);
    std::printf("ERROR wrong-bdf: %s\n", error.c_str());
    EXPECT_NE(error.find("no PCI device"), std::string::npos) << error;

    // The q35 host bridge has no driver at all.
    EXPECT_EQ(openVfioDevice("0000:00:00.0", error), nullptr);
    std::printf("ERROR not-bound: %s\n", error.c_str());
    EXPECT_NE(error.find("not bound to any driver"), std::string::npos) << error;
    EXPECT_NE(error.find("driver_override"), std::string::npos) << error;

    auto first = openVfioDevice(bdf, error);
    ASSERT_NE(first, nullptr) << error;
    EXPECT_EQ(openVfioDevice(bdf, error), nullptr) << "the group is held by `first`";
    std::printf("ERROR busy: %s\n", error.c_str());
    EXPECT_NE(error.find("busy"), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos);
    first.reset();
    EXPECT_NE(openVfioDevice(bdf, error), nullptr) << "free again after close: " << error;
}

TEST(VmOpen, ClosingOrDyingDisarms)
{
    IRQSCOPE_REQUIRE_DEVICE(bdf, DeviceKind::E1000e);
    IrqSetRequest req;
    std::array<Eventfd, 5> efds;
    std::array<int32_t, 5> fds{};
    for (std::size_t v = 0; v < 5; ++v)
        fds[v] = efds[v].fd();
    {
        std::string error;
        auto device = openVfioDevice(bdf, error);
        ASSERT_NE(device, nullptr) << error;
        ASSERT_EQ(device->setIrqs(req.setTriggerEventfds(VFIO_PCI_MSIX_IRQ_INDEX, 0, fds)), 0);
        EXPECT_EQ(readHostIrqs(bdf).size(), 5u) << "5 vfio-msix actions while armed";
        // The raw lines, for the /proc/interrupts format of this kernel (tests/core/host_irq_parse_test.cpp).
        std::ifstream in("/proc/interrupts");
        std::string line;
        for (int n = 0; std::getline(in, line); ++n)
            if (n == 0 || line.find("vfio-") != std::string::npos)
                std::printf("PROCINT %s\n", line.c_str());
    }
    EXPECT_FALSE(hasVfioActions(bdf)) << "close disarms (docs/kernel-vfio-irq.md §2.8)";

    // A holder killed with SIGKILL while armed: the kernel disarms when its fds close.
    const int status = inChild([&] {
        std::string error;
        auto device = openVfioDevice(bdf, error);
        if (!device || device->setIrqs(req.setTriggerEventfds(VFIO_PCI_MSIX_IRQ_INDEX, 0, fds)) != 0)
            return 1;
        if (readHostIrqs(bdf).size() != 5)
            return 2;
        kill(getpid(), SIGKILL);
        return 3;
    });
    EXPECT_EQ(status, 128 + SIGKILL);
    EXPECT_FALSE(hasVfioActions(bdf)) << "SIGKILL while armed leaves nothing armed";
    std::string error;
    auto again = openVfioDevice(bdf, error);
    ASSERT_NE(again, nullptr) << error;
    EXPECT_EQ(again->setIrqs(req.setTriggerEventfds(VFIO_PCI_MSIX_IRQ_INDEX, 0, fds)), 0) << "armed again";
}

TEST(VmOpen, NonRootUser)
{
    IRQSCOPE_REQUIRE_DEVICE(bdf, DeviceKind::Edu);
    const auto d = describePciDevice(bdf);
    ASSERT_TRUE(d);
    constexpr uid_t kUser = 1000;
    ASSERT_EQ(chown(d->groupPath.c_str(), kUser, kUser), 0);
    const int status = inChild([&] {
        if (setgid(kUser) != 0 || setuid(kUser) != 0)
            return 10;
        std::string error;
        auto device = openVfioDevice(bdf, error);
        std::printf("NONROOT %s: %s\n", guestMode().c_str(), device ? "opened" : error.c_str());
        std::fflush(stdout);
        if (d->noIommu)
            return !device && error.find("CAP_SYS_RAWIO") != std::string::npos ? 0 : 1;
        if (!device)
            return 2;
        Eventfd e;
        IrqSetRequest r;
        const int32_t fd = e.fd();
        if (device->setIrqs(r.setTriggerEventfds(VFIO_PCI_MSI_IRQ_INDEX, 0, std::span(&fd, 1))) != 0)
            return 3;
        if (device->setIrqs(r.loopback(VFIO_PCI_MSI_IRQ_INDEX, 0)) != 0 || e.wait(1000) != 1)
            return 4;
        return 0;
    });
    ASSERT_EQ(chown(d->groupPath.c_str(), 0, 0), 0);
    EXPECT_EQ(status, 0) << (d->noIommu ? "no-IOMMU must ask for CAP_SYS_RAWIO" : "type1 as an unprivileged user");
}

// The errno table of qemu-vfio-guest.md, row by row, against both kernel models of SimKernelModel (6.1, 6.12).
#include "sim/sim_kernel_model.h"
#include "vfio/irq_set_request.h"

#include <gtest/gtest.h>

#include <sys/eventfd.h>
#include <unistd.h>

using namespace irqscope::core;

namespace {

class Efd
{
public:
    Efd()
        : m_fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
    {}
    ~Efd() { close(m_fd); }
    int fd() const { return m_fd; }
    bool signalled() const
    {
        uint64_t v;
        return read(m_fd, &v, sizeof v) == sizeof v;
    }

private:
    int m_fd;
};

SimConfig configFor(SimKernel k)
{
    SimConfig c;
    c.kernel = k;
    c.msiVectors = 1;
    c.msixVectors = 5;
    return c;
}

class SimErrnoTable : public ::testing::TestWithParam<SimKernel>
{
protected:
    bool is612() const { return GetParam() == SimKernel::Linux6_12; }
    IrqSetRequest req;
};

constexpr uint32_t kIntx = 0, kMsi = 1, kMsix = 2, kErr = 3, kReq = 4;

} // namespace

TEST_P(SimErrnoTable, IntxRangeAndLoopbackRows)
{
    SimKernelModel k(configFor(GetParam()));
    Efd e;
    int32_t fds2[2] = {e.fd(), -1};
    EXPECT_EQ(k.setIrqs(req.setTriggerEventfds(kIntx, 1, std::span<const int32_t>(fds2, 1))), -EINVAL);
    EXPECT_EQ(k.setIrqs(req.setTriggerEventfds(kIntx, 0, fds2)), -EINVAL);
    EXPECT_EQ(k.setIrqs(req.loopback(kIntx, 0)), -EINVAL) << "loopback before INTx is enabled";
    EXPECT_EQ(k.setIrqs(req.unmask(kIntx)), -EINVAL) << "UNMASK before INTx is enabled";
    EXPECT_EQ(k.setIrqs(req.setTriggerEventfds(kIntx, 0, std::span<const int32_t>(fds2, 1))), 0);
    EXPECT_EQ(k.setIrqs(req.loopback(kIntx, 1)), -EINVAL);
    EXPECT_EQ(k.setIrqs(req.loopback(kIntx, 0, 2)), -EINVAL);
    EXPECT_EQ(k.setIrqs(req.loopback(kIntx, 0)), 0);
    EXPECT_TRUE(e.signalled());
    const std::byte bools[2] = {std::byte{0}, std::byte{1}};
    EXPECT_EQ(k.setIrqs(req.raw(VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER, kIntx, 0, 2, bools)), -EINVAL);
    EXPECT_EQ(k.setIrqs(req.raw(VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER, kIntx, 0, 1,
                                std::span<const std::byte>(bools + 1, 1))),
              0);
    EXPECT_TRUE(e.signalled());
    EXPECT_EQ(k.setIrqs(req.mask(kIntx)), 0);
    EXPECT_EQ(k.setIrqs(req.unmask(kIntx)), 0);
    const int32_t efd = e.fd();
    EXPECT_EQ(k.setIrqs(req.raw(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_MASK, kIntx, 0, 1,
                                std::as_bytes(std::span<const int32_t>(&efd, 1)))),
              -ENOTTY);
    EXPECT_EQ(k.setIrqs(req.setUnmaskEventfd(kIntx, efd)), 0);
    EXPECT_EQ(k.setIrqs(req.setUnmaskEventfd(kIntx, -1)), 0);
    EXPECT_EQ(k.setIrqs(req.setTriggerEventfds(kIntx, 0, std::span<const int32_t>(fds2 + 1, 1))), 0) << "fd -1";
    EXPECT_EQ(k.setIrqs(req.loopback(kIntx, 0)), 0) << "NULL trigger: a silent success since the hardening";
    EXPECT_EQ(k.setIrqs(req.setTriggerEventfds(kMsi, 0, std::span<const int32_t>(fds2, 1))), -EINVAL)
        << "MSI while INTx is enabled";
    EXPECT_EQ(k.setIrqs(req.disableIndex(kIntx)), 0);
    EXPECT_EQ(k.setIrqs(req.disableIndex(kIntx)), -EINVAL) << "disable again";
}

TEST_P(SimErrnoTable, MsiRows)
{
    SimKernelModel k(configFor(GetParam()));
    Efd e;
    const int32_t fd = e.fd();
    EXPECT_EQ(k.setIrqs(req.setTriggerEventfds(kMsi, 0, std::span<const int32_t>(&fd, 1))), 0);
    EXPECT_EQ(k.setIrqs(req.loopback(kMsi, 1)), -EINVAL) << "start >= irq count";
    EXPECT_EQ(k.setIrqs(req.mask(kMsi)), -ENOTTY);
    EXPECT_EQ(k.setIrqs(req.unmask(kMsi)), -ENOTTY);
    const int32_t off = -1;
    EXPECT_EQ(k.setIrqs(req.setTriggerEventfds(kMsi, 0, std::span<const int32_t>(&off, 1))), 0);
    EXPECT_EQ(k.setIrqs(req.loopback(kMsi, 0)), 0);
    EXPECT_FALSE(e.signalled()) << "vector 0 at fd -1: nothing signalled";
    EXPECT_EQ(k.setIrqs(req.disableIndex(kMsi)), 0);
    EXPECT_EQ(k.setIrqs(req.loopback(kMsi, 0)), -EINVAL);
    EXPECT_EQ(k.setIrqs(req.disableIndex(kMsi)), -EINVAL);
}

TEST_P(SimErrnoTable, MsixRowsDifferBetweenKernels)
{
    SimKernelModel k(configFor(GetParam()));
    Efd e0, e2;
    const int32_t fds[2] = {e0.fd(), -1};
    EXPECT_EQ(k.setIrqs(req.setTriggerEventfds(kMsix, 0, fds)), 0);
    EXPECT_EQ(k.setIrqs(req.loopback(kMsix, 1)), 0) << "unconfigured vector: silently ignored";
    EXPECT_EQ(k.setIrqs(req.loopback(kMsix, 0, 2)), 0);
    EXPECT_TRUE(e0.signalled());
    EXPECT_EQ(k.setIrqs(req.loopback(kMsix, 2)), is612() ? 0 : -EINVAL) << "beyond the enabled count";
    EXPECT_EQ(k.setIrqs(req.loopback(kMsix, 5)), -EINVAL) << "start == irq count";
    const int32_t fd2 = e2.fd();
    EXPECT_EQ(k.setIrqs(req.setTriggerEventfds(kMsix, 2, std::span<const int32_t>(&fd2, 1))), is612() ? 0 : -EINVAL);
    const int32_t grow[4] = {e0.fd(), -1, fd2, -1};
    EXPECT_EQ(k.setIrqs(req.setTriggerEventfds(kMsix, 0, grow)), is612() ? 0 : -EINVAL) << "resize 2 -> 4";
    IrqInfo info;
    ASSERT_EQ(k.irqInfo(kMsix, info), 0);
    EXPECT_EQ(info.flags, is612() ? 0x1u : 0x9u);
    EXPECT_EQ(k.setIrqs(req.mask(kMsix)), -ENOTTY);
    EXPECT_EQ(k.setIrqs(req.disableIndex(kMsix)), 0);
}

TEST_P(SimErrnoTable, MultiMsiShortfallWithoutInterruptRemapping)
{
    SimConfig c = configFor(GetParam());
    c.msiVectors = 16;
    c.interruptRemapping = false;
    SimKernelModel k(c);
    Efd a, b;
    const int32_t fds[2] = {a.fd(), b.fd()};
    EXPECT_EQ(k.setIrqs(req.setTriggerEventfds(kMsi, 0, fds)), 1) << "rc = +1, nothing enabled";
    EXPECT_EQ(k.setIrqs(req.loopback(kMsi, 0)), -EINVAL) << "nothing was enabled";
    c.interruptRemapping = true;
    SimKernelModel remapped(c);
    EXPECT_EQ(remapped.setIrqs(req.setTriggerEventfds(kMsi, 0, fds)), 0);
}

TEST_P(SimErrnoTable, CommonValidationAndErrReq)
{
    SimKernelModel k(configFor(GetParam()));
    auto tooSmall = req.raw(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, kMsix, 0, 0, {}, 8);
    EXPECT_EQ(k.setIrqs(tooSmall), -EINVAL) << "argsz too small";
    EXPECT_EQ(k.setIrqs(req.raw(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER, kMsix, 0,
                                1, {})),
              -EINVAL)
        << "two DATA_* flags";
    EXPECT_EQ(k.setIrqs(req.loopback(7, 0)), -EINVAL) << "bad index";
    Efd e;
    EXPECT_EQ(k.setIrqs(req.setTriggerEventfds(kReq, 0, std::span<const int32_t>(std::array<int32_t, 1>{e.fd()}))), 0);
    EXPECT_EQ(k.setIrqs(req.setTriggerEventfds(kReq, 0, std::span<const int32_t>(std::array<int32_t, 1>{-1}))), 0);
    SimConfig conventional = configFor(GetParam());
    conventional.pcie = false;
    SimKernelModel edu(conventional);
    IrqInfo info;
    EXPECT_EQ(edu.irqInfo(kErr, info), -EINVAL);
    EXPECT_EQ(edu.setIrqs(req.setTriggerEventfds(kErr, 0, std::span<const int32_t>(std::array<int32_t, 1>{e.fd()}))),
              -EINVAL);
    EXPECT_EQ(k.setIrqs(req.setTriggerEventfds(kErr, 0, std::span<const int32_t>(std::array<int32_t, 1>{e.fd()}))), 0);
    EXPECT_EQ(k.setIrqs(req.setTriggerEventfds(kMsix, 0, std::span<const int32_t>(std::array<int32_t, 1>{9999}))),
              -EBADF);
}

INSTANTIATE_TEST_SUITE_P(BothKernels, SimErrnoTable, ::testing::Values(SimKernel::Linux6_1, SimKernel::Linux6_12),
                         [](const auto& p) { return p.param == SimKernel::Linux6_1 ? "k6_1" : "k6_12"; });

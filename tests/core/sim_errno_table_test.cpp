// The SET_IRQS table of docs/guest-tests.md §7, one test per row, against both kernel models of SimKernelModel
// (6.1 and 6.12; the bold cells differ), plus the common validation of docs/kernel-vfio-irq.md §1.4 and the
// GET_IRQ_INFO flags.
#include "sim/sim_kernel_model.h"
#include "sim_test_support.h"
#include "vfio/irq_set_request.h"

#include <gtest/gtest.h>

#include <array>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <sys/eventfd.h>
#include <unistd.h>

using namespace irqscope::core;
using irqscope::test::Efd;
using irqscope::test::kErr;
using irqscope::test::kIntx;
using irqscope::test::kMsi;
using irqscope::test::kMsix;
using irqscope::test::kReq;
using irqscope::test::openFds;

namespace {

constexpr uint32_t kTrigger = VFIO_IRQ_SET_ACTION_TRIGGER;

class SimErrnoTable : public ::testing::TestWithParam<SimKernel>
{
protected:
    bool is612() const { return GetParam() == SimKernel::Linux6_12; }

    // edu-like by default: INTx, 1 MSI vector, conventional PCI; e1000e-like MSI-X with 5 vectors.
    SimKernelModel& model(uint32_t msi = 1, uint32_t msix = 5, bool pcie = true, bool remap = true)
    {
        SimConfig c;
        c.kernel = GetParam();
        c.msiVectors = msi;
        c.msixVectors = msix;
        c.pcie = pcie;
        c.interruptRemapping = remap;
        m_model = std::make_unique<SimKernelModel>(c);
        return *m_model;
    }

    std::span<const std::byte> eventfds(uint32_t index, uint32_t start, std::initializer_list<int32_t> fds)
    {
        return req.setTriggerEventfds(index, start, std::span<const int32_t>(fds.begin(), fds.size()));
    }
    std::span<const std::byte> bools(uint32_t index, uint32_t start, std::initializer_list<uint8_t> values,
                                     uint32_t action = kTrigger)
    {
        return req.raw(VFIO_IRQ_SET_DATA_BOOL | action, index, start, static_cast<uint32_t>(values.size()),
                       std::as_bytes(std::span<const uint8_t>(values.begin(), values.size())));
    }
    std::span<const std::byte> eventfdAction(uint32_t action, uint32_t index, int32_t fd)
    {
        return req.raw(VFIO_IRQ_SET_DATA_EVENTFD | action, index, 0, 1,
                       std::as_bytes(std::span<const int32_t>(&fd, 1)));
    }

    IrqSetRequest req;
    std::unique_ptr<SimKernelModel> m_model;
};

} // namespace

// --- INTx rows -------------------------------------------------------------------------------------------------

TEST_P(SimErrnoTable, IntxTriggerEventfdStart1BeforeAndAfterEnableIsEinval)
{
    auto& k = model();
    Efd e;
    EXPECT_EQ(k.setIrqs(eventfds(kIntx, 1, {e.fd()})), -EINVAL);
    ASSERT_EQ(k.setIrqs(eventfds(kIntx, 0, {e.fd()})), 0);
    EXPECT_EQ(k.setIrqs(eventfds(kIntx, 1, {e.fd()})), -EINVAL);
}

TEST_P(SimErrnoTable, IntxTriggerEventfdCount2IsEinval)
{
    auto& k = model();
    Efd e;
    EXPECT_EQ(k.setIrqs(eventfds(kIntx, 0, {e.fd(), e.fd()})), -EINVAL);
    EXPECT_FALSE(k.intxEnabled());
}

TEST_P(SimErrnoTable, IntxLoopbackStart1OrCount2WhileEnabledIsEinval)
{
    auto& k = model();
    Efd e;
    ASSERT_EQ(k.setIrqs(eventfds(kIntx, 0, {e.fd()})), 0);
    EXPECT_EQ(k.setIrqs(req.loopback(kIntx, 1)), -EINVAL);
    EXPECT_EQ(k.setIrqs(req.loopback(kIntx, 0, 2)), -EINVAL);
    EXPECT_FALSE(e.signalled());
}

TEST_P(SimErrnoTable, IntxLoopbackWhileEnabledSignals)
{
    auto& k = model();
    Efd e;
    ASSERT_EQ(k.setIrqs(eventfds(kIntx, 0, {e.fd()})), 0);
    EXPECT_EQ(k.setIrqs(req.loopback(kIntx, 0)), 0);
    EXPECT_TRUE(e.signalled());
}

TEST_P(SimErrnoTable, IntxBoolCount2IsEinvalAndBoolTrueSignals)
{
    auto& k = model();
    Efd e;
    ASSERT_EQ(k.setIrqs(eventfds(kIntx, 0, {e.fd()})), 0);
    EXPECT_EQ(k.setIrqs(bools(kIntx, 0, {0, 1})), -EINVAL);
    EXPECT_FALSE(e.signalled());
    EXPECT_EQ(k.setIrqs(bools(kIntx, 0, {1})), 0);
    EXPECT_TRUE(e.signalled());
    EXPECT_EQ(k.setIrqs(bools(kIntx, 0, {0})), 0);
    EXPECT_FALSE(e.signalled());
}

TEST_P(SimErrnoTable, IntxLoopbackOrUnmaskBeforeEnableIsEinval)
{
    auto& k = model();
    EXPECT_EQ(k.setIrqs(req.loopback(kIntx, 0)), -EINVAL);
    EXPECT_EQ(k.setIrqs(req.unmask(kIntx)), -EINVAL);
    EXPECT_EQ(k.setIrqs(req.mask(kIntx)), -EINVAL);
}

TEST_P(SimErrnoTable, IntxMaskAndUnmaskWithNoneOrBoolSucceed)
{
    auto& k = model();
    Efd e;
    ASSERT_EQ(k.setIrqs(eventfds(kIntx, 0, {e.fd()})), 0);
    EXPECT_EQ(k.setIrqs(req.mask(kIntx)), 0);
    EXPECT_TRUE(k.intxMasked());
    EXPECT_EQ(k.setIrqs(req.unmask(kIntx)), 0);
    EXPECT_FALSE(k.intxMasked());
    EXPECT_EQ(k.setIrqs(bools(kIntx, 0, {1}, VFIO_IRQ_SET_ACTION_MASK)), 0);
    EXPECT_TRUE(k.intxMasked());
    EXPECT_EQ(k.setIrqs(bools(kIntx, 0, {1}, VFIO_IRQ_SET_ACTION_UNMASK)), 0);
    EXPECT_FALSE(k.intxMasked());
    EXPECT_FALSE(e.signalled()) << "no level asserted: unmask signals nothing";
}

TEST_P(SimErrnoTable, IntxMaskWithEventfdIsEnotty)
{
    auto& k = model();
    Efd e;
    ASSERT_EQ(k.setIrqs(eventfds(kIntx, 0, {e.fd()})), 0);
    EXPECT_EQ(k.setIrqs(eventfdAction(VFIO_IRQ_SET_ACTION_MASK, kIntx, e.fd())), -ENOTTY);
}

TEST_P(SimErrnoTable, IntxUnmaskEventfdAndTeardownWithMinus1Succeed)
{
    auto& k = model();
    Efd trigger, unmask, other;
    ASSERT_EQ(k.setIrqs(eventfds(kIntx, 0, {trigger.fd()})), 0);
    EXPECT_EQ(k.setIrqs(req.setUnmaskEventfd(kIntx, unmask.fd())), 0);
    EXPECT_GE(k.unmaskEventfd(), 0);
    EXPECT_EQ(k.setIrqs(req.setUnmaskEventfd(kIntx, other.fd())), -EBUSY) << "one virqfd per slot";
    EXPECT_EQ(k.setIrqs(req.setUnmaskEventfd(kIntx, -1)), 0);
    EXPECT_EQ(k.unmaskEventfd(), -1);
    EXPECT_EQ(k.setIrqs(req.setUnmaskEventfd(kIntx, other.fd())), 0);
}

TEST_P(SimErrnoTable, IntxTriggerMinus1WhileEnabledAndSwapUseTheNewFd)
{
    auto& k = model();
    Efd first, second;
    ASSERT_EQ(k.setIrqs(eventfds(kIntx, 0, {first.fd()})), 0);
    EXPECT_EQ(k.setIrqs(eventfds(kIntx, 0, {-1})), 0);
    EXPECT_TRUE(k.intxEnabled()) << "INTx stays enabled with a NULL trigger";
    EXPECT_EQ(k.setIrqs(req.loopback(kIntx, 0)), 0) << "NULL trigger: a silent 0 since the hardening";
    EXPECT_FALSE(first.signalled());
    EXPECT_EQ(k.setIrqs(eventfds(kIntx, 0, {first.fd()})), 0);
    EXPECT_EQ(k.setIrqs(eventfds(kIntx, 0, {second.fd()})), 0) << "swap";
    EXPECT_EQ(k.setIrqs(req.loopback(kIntx, 0)), 0);
    EXPECT_FALSE(first.signalled());
    EXPECT_TRUE(second.signalled());
}

TEST_P(SimErrnoTable, IntxEnabledWithFdMinus1HasANullTrigger)
{
    auto& k = model();
    EXPECT_EQ(k.setIrqs(eventfds(kIntx, 0, {-1})), 0);
    EXPECT_TRUE(k.intxEnabled());
    EXPECT_FALSE(k.hasTrigger(IrqIndex::Intx, 0));
    EXPECT_EQ(k.setIrqs(req.loopback(kIntx, 0)), 0);
    EXPECT_EQ(k.signals(), 0u);
}

TEST_P(SimErrnoTable, IntxDisableThenDisableAgainIsEinval)
{
    auto& k = model();
    Efd e;
    ASSERT_EQ(k.setIrqs(eventfds(kIntx, 0, {e.fd()})), 0);
    EXPECT_EQ(k.setIrqs(req.disableIndex(kIntx)), 0);
    EXPECT_FALSE(k.intxEnabled());
    EXPECT_EQ(k.setIrqs(req.disableIndex(kIntx)), -EINVAL);
}

TEST_P(SimErrnoTable, IntxWhileMsiAndMsiWhileIntxAreEinval)
{
    auto& k = model();
    Efd e;
    ASSERT_EQ(k.setIrqs(eventfds(kMsi, 0, {e.fd()})), 0);
    EXPECT_EQ(k.setIrqs(eventfds(kIntx, 0, {e.fd()})), -EINVAL);
    ASSERT_EQ(k.setIrqs(req.disableIndex(kMsi)), 0);
    ASSERT_EQ(k.setIrqs(eventfds(kIntx, 0, {e.fd()})), 0);
    EXPECT_EQ(k.setIrqs(eventfds(kMsi, 0, {e.fd()})), -EINVAL);
    EXPECT_EQ(k.setIrqs(eventfds(kMsix, 0, {e.fd()})), -EINVAL);
}

// --- MSI rows --------------------------------------------------------------------------------------------------

TEST_P(SimErrnoTable, MsiLoopbackStart1OnOneVectorIsEinval)
{
    auto& k = model();
    Efd e;
    ASSERT_EQ(k.setIrqs(eventfds(kMsi, 0, {e.fd()})), 0);
    EXPECT_EQ(k.setIrqs(req.loopback(kMsi, 1)), -EINVAL) << "validation: start >= irq count";
}

TEST_P(SimErrnoTable, MsiBoolCount2OnOneVectorIsEinval)
{
    auto& k = model();
    Efd e;
    ASSERT_EQ(k.setIrqs(eventfds(kMsi, 0, {e.fd()})), 0);
    EXPECT_EQ(k.setIrqs(bools(kMsi, 0, {0, 1})), -EINVAL);
}

TEST_P(SimErrnoTable, MsiBoolTrueSignalsAndBoolFalseDoesNot)
{
    auto& k = model();
    Efd e;
    ASSERT_EQ(k.setIrqs(eventfds(kMsi, 0, {e.fd()})), 0);
    EXPECT_EQ(k.setIrqs(bools(kMsi, 0, {1})), 0);
    EXPECT_TRUE(e.signalled());
    EXPECT_EQ(k.setIrqs(bools(kMsi, 0, {0})), 0);
    EXPECT_FALSE(e.signalled());
}

TEST_P(SimErrnoTable, MsiMaskUnmaskAndUnmaskEventfdAreEnotty)
{
    auto& k = model();
    Efd e;
    ASSERT_EQ(k.setIrqs(eventfds(kMsi, 0, {e.fd()})), 0);
    EXPECT_EQ(k.setIrqs(req.mask(kMsi)), -ENOTTY);
    EXPECT_EQ(k.setIrqs(req.unmask(kMsi)), -ENOTTY);
    EXPECT_EQ(k.setIrqs(eventfdAction(VFIO_IRQ_SET_ACTION_UNMASK, kMsi, e.fd())), -ENOTTY);
}

TEST_P(SimErrnoTable, MsiVector0SetToMinus1StaysEnabledAndLoopbackSignalsNothing)
{
    auto& k = model();
    Efd e;
    ASSERT_EQ(k.setIrqs(eventfds(kMsi, 0, {e.fd()})), 0);
    EXPECT_EQ(k.setIrqs(eventfds(kMsi, 0, {-1})), 0);
    EXPECT_EQ(k.activeType(), IrqIndex::Msi);
    EXPECT_EQ(k.setIrqs(req.loopback(kMsi, 0)), 0);
    EXPECT_FALSE(e.signalled());
    EXPECT_EQ(k.setIrqs(eventfds(kMsi, 0, {e.fd()})), 0) << "re-armed";
    EXPECT_EQ(k.setIrqs(req.loopback(kMsi, 0)), 0);
    EXPECT_TRUE(e.signalled());
}

TEST_P(SimErrnoTable, MsiDisableThenLoopbackAndDisableAgainAreEinval)
{
    auto& k = model();
    Efd e;
    ASSERT_EQ(k.setIrqs(eventfds(kMsi, 0, {e.fd()})), 0);
    EXPECT_EQ(k.setIrqs(req.disableIndex(kMsi)), 0);
    EXPECT_EQ(k.setIrqs(req.loopback(kMsi, 0)), -EINVAL);
    EXPECT_EQ(k.setIrqs(req.disableIndex(kMsi)), -EINVAL);
}

// --- MSI-X rows (e1000e: 5 vectors) ------------------------------------------------------------------------------

TEST_P(SimErrnoTable, MsixEnableCount2WithSecondUnconfiguredSucceeds)
{
    auto& k = model();
    Efd e;
    EXPECT_EQ(k.setIrqs(eventfds(kMsix, 0, {e.fd(), -1})), 0);
    EXPECT_TRUE(k.hasTrigger(IrqIndex::Msix, 0));
    EXPECT_FALSE(k.hasTrigger(IrqIndex::Msix, 1));
}

TEST_P(SimErrnoTable, MsixLoopbackOnUnconfiguredVectorIsSilentlyIgnored)
{
    auto& k = model();
    Efd e;
    ASSERT_EQ(k.setIrqs(eventfds(kMsix, 0, {e.fd(), -1})), 0);
    EXPECT_EQ(k.setIrqs(req.loopback(kMsix, 1)), 0);
    EXPECT_FALSE(e.signalled());
}

TEST_P(SimErrnoTable, MsixLoopbackCount2SignalsOnlyVector0)
{
    auto& k = model();
    Efd e;
    ASSERT_EQ(k.setIrqs(eventfds(kMsix, 0, {e.fd(), -1})), 0);
    EXPECT_EQ(k.setIrqs(req.loopback(kMsix, 0, 2)), 0);
    EXPECT_TRUE(e.signalled());
    EXPECT_EQ(k.signals(), 1u);
}

TEST_P(SimErrnoTable, MsixAndMultiMsiLoopbackBeyondEnabledCountDiffers)
{
    auto& k = model(16, 5);
    Efd e;
    ASSERT_EQ(k.setIrqs(eventfds(kMsix, 0, {e.fd(), -1})), 0);
    EXPECT_EQ(k.setIrqs(req.loopback(kMsix, 2)), is612() ? 0 : -EINVAL);
    ASSERT_EQ(k.setIrqs(req.disableIndex(kMsix)), 0);
    ASSERT_EQ(k.setIrqs(eventfds(kMsi, 0, {e.fd(), -1})), 0);
    EXPECT_EQ(k.setIrqs(req.loopback(kMsi, 2)), is612() ? 0 : -EINVAL) << "multi-MSI";
    EXPECT_FALSE(e.signalled());
}

TEST_P(SimErrnoTable, MsixLoopbackStartAtIrqCountIsEinval)
{
    auto& k = model();
    Efd e;
    ASSERT_EQ(k.setIrqs(eventfds(kMsix, 0, {e.fd(), -1})), 0);
    EXPECT_EQ(k.setIrqs(req.loopback(kMsix, 5)), -EINVAL);
}

TEST_P(SimErrnoTable, MsixBoolFalseTrueSignalsOnlyVector1)
{
    auto& k = model();
    Efd e0, e1;
    ASSERT_EQ(k.setIrqs(eventfds(kMsix, 0, {e0.fd(), e1.fd()})), 0);
    EXPECT_EQ(k.setIrqs(bools(kMsix, 0, {0, 1})), 0);
    EXPECT_FALSE(e0.signalled());
    EXPECT_TRUE(e1.signalled());
}

TEST_P(SimErrnoTable, MsixSetVector2AndResize2To4Differ)
{
    auto& k = model();
    Efd e0, e2;
    ASSERT_EQ(k.setIrqs(eventfds(kMsix, 0, {e0.fd(), -1})), 0);
    EXPECT_EQ(k.setIrqs(eventfds(kMsix, 2, {e2.fd()})), is612() ? 0 : -EINVAL);
    EXPECT_EQ(k.hasTrigger(IrqIndex::Msix, 2), is612());
    EXPECT_EQ(k.setIrqs(eventfds(kMsix, 0, {e0.fd(), -1, e2.fd(), -1})), is612() ? 0 : -EINVAL);
    EXPECT_TRUE(k.hasTrigger(IrqIndex::Msix, 0)) << "6.1 refuses the whole block before touching a vector";
    EXPECT_EQ(k.setIrqs(req.loopback(kMsix, 2)), is612() ? 0 : -EINVAL);
    EXPECT_EQ(e2.signalled(), is612());
}

TEST_P(SimErrnoTable, MsixMaskAndUnmaskAreEnotty)
{
    auto& k = model();
    Efd e;
    ASSERT_EQ(k.setIrqs(eventfds(kMsix, 0, {e.fd()})), 0);
    EXPECT_EQ(k.setIrqs(req.mask(kMsix)), -ENOTTY);
    EXPECT_EQ(k.setIrqs(req.unmask(kMsix)), -ENOTTY);
}

TEST_P(SimErrnoTable, MsixDisableSucceeds)
{
    auto& k = model();
    Efd e;
    ASSERT_EQ(k.setIrqs(eventfds(kMsix, 0, {e.fd(), -1})), 0);
    EXPECT_EQ(k.setIrqs(req.disableIndex(kMsix)), 0);
    EXPECT_FALSE(k.activeType().has_value());
}

// --- multi-MSI (nec-xhci: 16 MSI vectors) ------------------------------------------------------------------------

TEST_P(SimErrnoTable, MultiMsiCount2WithoutInterruptRemappingReturnsPlus1)
{
    auto& k = model(16, 0, true, false);
    Efd a, b;
    EXPECT_EQ(k.setIrqs(eventfds(kMsi, 0, {a.fd(), b.fd()})), 1) << "rc = +1, nothing enabled";
    EXPECT_FALSE(k.activeType().has_value());
    EXPECT_EQ(k.setIrqs(req.loopback(kMsi, 0)), -EINVAL) << "nothing was enabled";
    EXPECT_EQ(k.setIrqs(eventfds(kMsi, 0, {a.fd()})), 0) << "QEMU retries with the count returned";
}

TEST_P(SimErrnoTable, MultiMsiCount2And16WithInterruptRemappingSucceed)
{
    auto& k = model(16, 0, true, true);
    Efd a, b;
    EXPECT_EQ(k.setIrqs(eventfds(kMsi, 0, {a.fd(), b.fd()})), 0);
    ASSERT_EQ(k.setIrqs(req.disableIndex(kMsi)), 0);
    std::array<int32_t, 16> fds;
    fds.fill(a.fd());
    EXPECT_EQ(k.setIrqs(req.setTriggerEventfds(kMsi, 0, fds)), 0);
    EXPECT_EQ(k.armedVectors(), 16u);
}

// --- validation, ERR and REQ -------------------------------------------------------------------------------------

TEST_P(SimErrnoTable, ArgszTooSmallTwoDataTypesAndBadIndexAreEinval)
{
    auto& k = model();
    EXPECT_EQ(k.setIrqs(req.raw(VFIO_IRQ_SET_DATA_NONE | kTrigger, kMsix, 0, 0, {}, 8)), -EINVAL);
    EXPECT_EQ(k.setIrqs(req.raw(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL | kTrigger, kMsix, 0, 1, {})), -EINVAL);
    EXPECT_EQ(k.setIrqs(req.loopback(5, 0)), -EINVAL);
}

TEST_P(SimErrnoTable, ErrIndexIsEinvalOnConventionalPciAndWorksOnPcie)
{
    Efd e;
    auto& edu = model(1, 0, false);
    IrqInfo info;
    EXPECT_EQ(edu.irqInfo(kErr, info), -EINVAL);
    EXPECT_EQ(edu.setIrqs(eventfds(kErr, 0, {e.fd()})), -EINVAL);
    auto& pcie = model(1, 5, true);
    ASSERT_EQ(pcie.irqInfo(kErr, info), 0);
    EXPECT_EQ(info.count, 1u);
    EXPECT_EQ(pcie.setIrqs(eventfds(kErr, 0, {e.fd()})), 0);
    EXPECT_EQ(pcie.setIrqs(req.loopback(kErr, 0)), 0);
    EXPECT_TRUE(e.signalled());
}

TEST_P(SimErrnoTable, ReqSetEventfdAndClearWithMinus1Succeed)
{
    auto& k = model();
    Efd e;
    EXPECT_EQ(k.setIrqs(eventfds(kReq, 0, {e.fd()})), 0);
    EXPECT_EQ(k.setIrqs(eventfds(kReq, 0, {-1})), 0);
    EXPECT_EQ(k.setIrqs(req.loopback(kReq, 0)), -EINVAL) << "DATA_NONE without a trigger";
}

// --- beyond the table: docs/kernel-vfio-irq.md §1.4, §1.5, §2.6 ------------------------------------------------------

TEST_P(SimErrnoTable, CommonValidationRejectsOverflowUnknownFlagsAndShortPayload)
{
    auto& k = model();
    EXPECT_EQ(k.setIrqs(req.raw(VFIO_IRQ_SET_DATA_NONE | kTrigger, kMsix, 1, UINT32_MAX - 1, {})), -EINVAL);
    EXPECT_EQ(k.setIrqs(req.raw(VFIO_IRQ_SET_DATA_NONE | kTrigger | (1u << 6), kMsix, 0, 1, {})), -EINVAL);
    EXPECT_EQ(k.setIrqs(req.raw(kTrigger, kMsix, 0, 1, {})), -EINVAL) << "no data type";
    EXPECT_EQ(k.setIrqs(req.loopback(kMsix, 4, 2)), -EINVAL) << "start + count > count";
    const int32_t fd = -1;
    EXPECT_EQ(k.setIrqs(req.raw(VFIO_IRQ_SET_DATA_EVENTFD | kTrigger, kMsix, 0, 2,
                                std::as_bytes(std::span<const int32_t>(&fd, 1)))),
              -EINVAL)
        << "argsz shorter than count * 4";
    EXPECT_EQ(k.setIrqs(std::span<const std::byte>(req.loopback(kMsix, 0).data(), 12)), -EFAULT);
}

TEST_P(SimErrnoTable, NoOrTwoActionsAreEnotty)
{
    auto& k = model();
    EXPECT_EQ(k.setIrqs(req.raw(VFIO_IRQ_SET_DATA_NONE, kIntx, 0, 1, {})), -ENOTTY);
    EXPECT_EQ(k.setIrqs(req.raw(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK | kTrigger, kIntx, 0, 1, {})),
              -ENOTTY);
    EXPECT_EQ(k.setIrqs(req.raw(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK, kReq, 0, 1, {})), -ENOTTY);
}

TEST_P(SimErrnoTable, BadFdIsEbadfAndNonEventfdIsEinval)
{
    auto& k = model();
    int pipeFds[2];
    ASSERT_EQ(pipe2(pipeFds, O_CLOEXEC), 0);
    EXPECT_EQ(k.setIrqs(eventfds(kMsix, 0, {9999})), -EBADF);
    EXPECT_FALSE(k.activeType().has_value()) << "a failed enabling call disables the index again";
    EXPECT_EQ(k.setIrqs(eventfds(kMsix, 0, {pipeFds[0]})), -EINVAL);
    EXPECT_EQ(k.setIrqs(eventfds(kIntx, 0, {9999})), -EBADF);
    EXPECT_EQ(k.setIrqs(eventfds(kReq, 0, {pipeFds[1]})), -EINVAL);
    close(pipeFds[0]);
    close(pipeFds[1]);
}

TEST_P(SimErrnoTable, FailedVectorUnwindsTheVectorsOfThatCall)
{
    auto& k = model();
    Efd e0, e1, e2;
    ASSERT_EQ(k.setIrqs(eventfds(kMsix, 0, {e0.fd(), e1.fd(), e2.fd()})), 0);
    EXPECT_EQ(k.setIrqs(eventfds(kMsix, 0, {e0.fd(), 9999})), -EBADF);
    EXPECT_FALSE(k.hasTrigger(IrqIndex::Msix, 0)) << "set in this call, then unwound";
    EXPECT_FALSE(k.hasTrigger(IrqIndex::Msix, 1)) << "released before the bad fd was seen";
    EXPECT_TRUE(k.hasTrigger(IrqIndex::Msix, 2)) << "outside the call";
    EXPECT_EQ(k.activeType(), IrqIndex::Msix) << "the index stays enabled";
}

TEST_P(SimErrnoTable, ErrReqSingleTriggerEdgeCases)
{
    auto& k = model();
    Efd e;
    EXPECT_EQ(k.setIrqs(req.raw(VFIO_IRQ_SET_DATA_BOOL | kTrigger, kReq, 0, 0, {})), -EINVAL) << "BOOL count 0";
    EXPECT_EQ(k.setIrqs(bools(kReq, 0, {1})), 0) << "BOOL without a trigger: 0";
    EXPECT_EQ(k.setIrqs(eventfds(kReq, 0, {-5})), 0) << "other negative fds are ignored";
    ASSERT_EQ(k.setIrqs(eventfds(kReq, 0, {e.fd()})), 0);
    EXPECT_EQ(k.setIrqs(eventfds(kReq, 0, {-5})), 0);
    EXPECT_EQ(k.setIrqs(bools(kReq, 0, {1})), 0);
    EXPECT_TRUE(e.signalled()) << "-5 left the trigger in place";
    EXPECT_EQ(k.setIrqs(req.disableIndex(kReq)), 0) << "NONE count 0 releases";
    EXPECT_EQ(k.setIrqs(req.disableIndex(kReq)), -EINVAL);
}

TEST_P(SimErrnoTable, GetIrqInfoFlagsMatchTheObservedValues)
{
    auto& k = model(1, 5, true);
    const std::array<uint32_t, 5> expected{0x7, 0x9, is612() ? 0x1u : 0x9u, 0x9, 0x9};
    const std::array<uint32_t, 5> counts{1, 1, 5, 1, 1};
    for (uint32_t i = 0; i < 5; ++i) {
        IrqInfo info;
        ASSERT_EQ(k.irqInfo(i, info), 0) << i;
        EXPECT_EQ(info.flags, expected[i]) << i;
        EXPECT_EQ(info.count, counts[i]) << i;
        EXPECT_EQ(info.index, i);
    }
    IrqInfo info;
    EXPECT_EQ(k.irqInfo(5, info), -EINVAL);
    auto& noMsix = model(1, 0);
    ASSERT_EQ(noMsix.irqInfo(kMsix, info), 0);
    EXPECT_EQ(info.count, 0u);
    EXPECT_EQ(info.flags, 0x9u) << "no MSI-X capability: no dynamic MSI-X, NORESIZE stays";
    EXPECT_EQ(noMsix.setIrqs(req.disableIndex(kMsix)), -EINVAL) << "validation: start >= count 0";
}

TEST_P(SimErrnoTable, EventfdReferencesAreDuplicatedAndReleased)
{
    Efd a, b;
    const int before = openFds();
    {
        auto& k = model();
        ASSERT_EQ(k.setIrqs(eventfds(kMsix, 0, {a.fd(), b.fd(), a.fd()})), 0);
        ASSERT_EQ(k.setIrqs(eventfds(kReq, 0, {b.fd()})), 0);
        EXPECT_EQ(openFds(), before + 4);
        ASSERT_EQ(k.setIrqs(eventfds(kMsix, 1, {-1})), 0);
        EXPECT_EQ(openFds(), before + 3);
        ASSERT_EQ(k.setIrqs(req.disableIndex(kMsix)), 0);
        EXPECT_EQ(openFds(), before + 1);
        ASSERT_EQ(k.setIrqs(eventfds(kIntx, 0, {a.fd()})), 0);
        ASSERT_EQ(k.setIrqs(req.setUnmaskEventfd(kIntx, b.fd())), 0);
        EXPECT_EQ(openFds(), before + 3);
        m_model.reset();
    }
    EXPECT_EQ(openFds(), before) << "destroyed: every reference closed";
    // The model's reference keeps the eventfd alive after the caller closes its own descriptor.
    auto& k = model();
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    ASSERT_EQ(k.setIrqs(eventfds(kMsi, 0, {fd})), 0);
    close(fd);
    EXPECT_EQ(k.setIrqs(req.loopback(kMsi, 0)), 0);
    EXPECT_EQ(k.signals(), 1u);
}

INSTANTIATE_TEST_SUITE_P(SimKernel, SimErrnoTable, ::testing::Values(SimKernel::Linux6_1, SimKernel::Linux6_12),
                         [](const auto& p) { return p.param == SimKernel::Linux6_1 ? "k6_1" : "k6_12"; });

// The differential test: every SET_IRQS sequence of irq_sequences.h against the real vfio-pci driver of this
// guest and against SimDevice with the matching kernel model; the results must agree row by row, and with the
// errno table's expectation.
#include "vm_support.h"

#include "sim/sim_device.h"
#include "vfio/vfio_device.h"

using namespace irqscope::vmtest;

namespace {

struct Counts
{
    int rows = 0;
    int agree = 0;
};

} // namespace

TEST(VmDifferential, RealKernelAndSimAgreeRowByRow)
{
    if (findDevice(DeviceKind::Edu).empty())
        GTEST_SKIP() << "no QEMU devices bound to vfio-pci here: run tests/vm/run-vm-tests.sh";
    const SimKernel kernel = guestKernel();
    const bool remap = interruptRemapping();
    Counts counts;
    for (const auto& sequence : irqSequences()) {
        const std::string bdf = findDevice(sequence.device);
        ASSERT_FALSE(bdf.empty()) << deviceKindName(sequence.device) << " missing";
        std::string error;
        auto real = openVfioDevice(bdf, error);
        ASSERT_NE(real, nullptr) << error;
        SimDevice sim(simConfigFor(sequence.device, kernel, remap));
        const auto realResults = runSequence(*real, sequence);
        const auto simResults = runSequence(sim, sequence);
        for (std::size_t i = 0; i < sequence.steps.size(); ++i) {
            const auto& step = sequence.steps[i];
            const int rc = step.expectedRc(kernel, remap);
            const bool agree = realResults[i] == simResults[i];
            const bool asExpected =
                realResults[i].rc == rc && realResults[i].signalled == (rc < 0 ? 0 : step.signalled);
            ++counts.rows;
            counts.agree += agree;
            std::printf("ROW %s/%s %-12s #%02zu %-28s kernel=%s sim=%s expected=%d %s\n", simKernelName(kernel).data(),
                        remap ? "remap" : "noremap", sequence.name, i, step.what, formatResult(realResults[i]).c_str(),
                        formatResult(simResults[i]).c_str(), rc, agree && asExpected ? "OK" : "DIFF");
            EXPECT_EQ(realResults[i], simResults[i])
                << sequence.name << " #" << i << " " << step.what << ": kernel " << formatResult(realResults[i])
                << ", sim " << formatResult(simResults[i]);
            EXPECT_EQ(realResults[i].rc, rc) << sequence.name << " #" << i << " " << step.what;
        }
    }
    std::printf("DIFFERENTIAL rows=%d agree=%d\n", counts.rows, counts.agree);
}

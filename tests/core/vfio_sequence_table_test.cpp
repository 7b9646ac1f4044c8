// The SET_IRQS sequence table of tests/vm (the guest runs it against the real vfio-pci and SimDevice row by row)
// played here against SimDevice alone: each row's expected result for 6.1 and 6.12, with and without interrupt
// remapping.
#include "../vm/irq_sequences.h"

#include "sim/sim_device.h"

#include <gtest/gtest.h>

using namespace irqscope::vmtest;

namespace {

struct Case
{
    SimKernel kernel;
    bool remap;
};

class VfioSequenceTable : public ::testing::TestWithParam<Case>
{};

} // namespace

TEST_P(VfioSequenceTable, SimDeviceGivesTheExpectedRowResults)
{
    const auto [kernel, remap] = GetParam();
    for (const auto& sequence : irqSequences()) {
        SimDevice sim(simConfigFor(sequence.device, kernel, remap));
        const auto results = runSequence(sim, sequence);
        ASSERT_EQ(results.size(), sequence.steps.size());
        for (std::size_t i = 0; i < results.size(); ++i) {
            const auto& step = sequence.steps[i];
            const int rc = step.expectedRc(kernel, remap);
            EXPECT_EQ(results[i].rc, rc) << sequence.name << " row " << i << " (" << step.what << ")";
            EXPECT_EQ(results[i].signalled, rc < 0 ? 0u : step.signalled)
                << sequence.name << " row " << i << " (" << step.what << ")";
        }
    }
}

INSTANTIATE_TEST_SUITE_P(VfioKernels, VfioSequenceTable,
                         ::testing::Values(Case{SimKernel::Linux6_1, true}, Case{SimKernel::Linux6_1, false},
                                           Case{SimKernel::Linux6_12, true}, Case{SimKernel::Linux6_12, false}),
                         [](const auto& p) {
                             return std::string(p.param.kernel == SimKernel::Linux6_1 ? "k6_1" : "k6_12") +
                                    (p.param.remap ? "_remap" : "_noremap");
                         });

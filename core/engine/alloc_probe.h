// Allocation probe: counts heap allocations per thread where a program installs the hook (the test binary
// replaces operator new and calls noteAllocation()). The engine reports its core thread's count after arming,
// which must stay 0: the hot path never allocates.
#pragma once

#include <cstdint>

namespace irqscope::core {

void noteAllocation() noexcept;
uint64_t threadAllocations() noexcept;
bool allocationHookInstalled() noexcept;
void setAllocationHookInstalled() noexcept;

} // namespace irqscope::core

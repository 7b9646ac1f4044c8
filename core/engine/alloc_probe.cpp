#include "engine/alloc_probe.h"

#include <atomic>

namespace irqscope::core {

namespace {
thread_local uint64_t t_allocations = 0;
std::atomic<bool> g_hookInstalled{false};
} // namespace

void noteAllocation() noexcept
{
    ++t_allocations;
}

uint64_t threadAllocations() noexcept
{
    return t_allocations;
}

bool allocationHookInstalled() noexcept
{
    return g_hookInstalled.load(std::memory_order_relaxed);
}

void setAllocationHookInstalled() noexcept
{
    g_hookInstalled.store(true, std::memory_order_relaxed);
}

} // namespace irqscope::core

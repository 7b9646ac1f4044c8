// SimKernelModel, MSI and MSI-X: enabling, per-vector eventfds, the multi-MSI shortfall (docs/kernel-vfio-irq.md §2.5).
#include "sim/sim_kernel_model.h"

#include "sim/sim_eventfd.h"
#include "sim/sim_irq_set_data.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

namespace irqscope::core {

using namespace simirq;

// vfio_pci_set_msi_trigger (docs/kernel-vfio-irq.md §2.5).
int SimKernelModel::msiTrigger(IrqIndex index, const vfio_irq_set& h, const std::byte* data)
{
    const bool active = m_active == index;
    if (active && h.count == 0 && dataType(h) == VFIO_IRQ_SET_DATA_NONE) {
        msiDisable();
        return 0;
    }
    if (!(active || !m_active))
        return -EINVAL; // one interrupt type at a time
    if (dataType(h) == VFIO_IRQ_SET_DATA_EVENTFD) {
        if (active)
            return msiSetBlock(index, h.start, h.count, data);
        if (const int rc = msiEnable(index, h.start + h.count); rc != 0)
            return rc;
        const int rc = msiSetBlock(index, h.start, h.count, data);
        if (rc != 0)
            msiDisable();
        return rc;
    }
    if (!active)
        return -EINVAL; // so disabling an index that is not enabled is -EINVAL too (§6.2)
    // Loopback. 6.1 checks the range against the vectors the enabling call allocated; 6.12 has no check beyond
    // the table size. Both skip a vector with no trigger and return 0.
    if (!m_dynamicCtx && h.start + h.count > m_numCtx)
        return -EINVAL;
    if (m_config.faults.triggerStallNs > 0 && !m_triggerStallDone) {
        m_triggerStallDone = true;
        std::this_thread::sleep_for(std::chrono::nanoseconds(m_config.faults.triggerStallNs));
    }
    for (uint32_t i = 0; i < h.count; ++i) {
        if (selected(h, data, i))
            signal(index, m_msiTriggers[h.start + i]);
    }
    return 0;
}

// vfio_msi_enable: pci_alloc_irq_vectors(1, nvec). Short of nvec, the count obtained is returned and nothing is
// enabled; without interrupt remapping x86 gives MSI a single vector (docs/guest-tests.md pitfall 7).
int SimKernelModel::msiEnable(IrqIndex index, uint32_t nvec)
{
    const uint32_t available = index == IrqIndex::Msi && !m_config.interruptRemapping ? 1 : nvec;
    if (available < nvec)
        return static_cast<int>(available);
    m_active = index;
    m_numCtx = nvec;
    std::fill(m_allocated.begin(), m_allocated.end(), 0);
    std::fill(m_allocated.begin(), m_allocated.begin() + nvec, 1);
    return 0;
}

// vfio_msi_set_block: on a failure, the vectors this call already set are de-assigned again.
int SimKernelModel::msiSetBlock(IrqIndex index, uint32_t start, uint32_t count, const std::byte* data)
{
    // 6.1's array ctx: the whole block must lie within the vectors enabled, else -EINVAL with nothing changed.
    if (!m_dynamicCtx && (start >= m_numCtx || start + count > m_numCtx))
        return -EINVAL;
    for (uint32_t i = 0; i < count; ++i) {
        if (const int rc = msiSetVector(index, start + i, fdAt(data, i)); rc != 0) {
            for (uint32_t k = 0; k < i; ++k)
                msiSetVector(index, start + k, -1);
            return rc;
        }
    }
    return 0;
}

// vfio_msi_set_vector_signal: the old trigger is always released first; any fd < 0 leaves the vector off.
int SimKernelModel::msiSetVector(IrqIndex index, uint32_t vector, int32_t fd)
{
    simfd::release(m_msiTriggers[vector]);
    if (fd < 0)
        return 0;
    if (!m_allocated[vector]) {
        // 6.12: only MSI-X with has_dyn_msix allocates a vector on demand (pci_msix_alloc_irq_at); MSI fails.
        if (!(index == IrqIndex::Msix && m_dynamicMsix))
            return -EINVAL;
        m_allocated[vector] = 1;
    }
    if (const int rc = simfd::check(fd); rc < 0)
        return rc;
    const int dup = simfd::take(fd);
    if (dup < 0)
        return dup;
    m_msiTriggers[vector] = dup;
    return 0;
}

void SimKernelModel::msiDisable()
{
    for (auto& fd : m_msiTriggers)
        simfd::release(fd);
    std::fill(m_allocated.begin(), m_allocated.end(), 0);
    m_numCtx = 0;
    if (m_active == IrqIndex::Msi || m_active == IrqIndex::Msix)
        m_active.reset();
}

} // namespace irqscope::core

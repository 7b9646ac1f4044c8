// NvmeTrigger: one Verify command per trigger on the vector's own I/O queue pair (docs/dma-triggers.md §3).
#include "device/nvme_trigger.h"

#include "device/dma_poll.h"

#include <algorithm>
#include <cerrno>

namespace irqscope::core {

NvmeTrigger::NvmeTrigger(IrqDevice& device)
    : m_device(device)
    , m_controller(device)
    , m_pairs(std::make_unique<Pair[]>(kMaxPairs))
{
    IrqInfo msix;
    if (device.irqInfo(static_cast<uint32_t>(IrqIndex::Msix), msix) == 0 && msix.eventfd())
        m_vectors = std::min(msix.count, kMaxPairs);
}

NvmeTrigger::~NvmeTrigger()
{
    shutdown();
}

bool NvmeTrigger::canRaise(VectorId id) const
{
    return id.index == IrqIndex::Msix && id.sub < m_vectors;
}

std::string NvmeTrigger::resetOnly()
{
    return m_controller.reset();
}

std::string NvmeTrigger::prepare()
{
    shutdown();
    if (m_vectors == 0)
        return "the NVMe controller " + m_device.info().id + " offers no MSI-X vector to complete on";
    m_vectorZeroMessages = 0;
    if (auto error = m_controller.reset(); !error.empty())
        return error;
    return m_controller.enable(m_vectors);
}

std::string NvmeTrigger::setUp(uint32_t sub)
{
    if (sub >= m_vectors || !m_controller.enabled())
        return "the NVMe controller is not enabled";
    Pair& p = m_pairs[sub];
    if (p.live)
        return {};
    const uint32_t qid = sub + 1;
    const uint64_t before = m_controller.adminCompletions();
    std::string error = m_controller.createPair(qid, sub);
    m_vectorZeroMessages += m_controller.adminCompletions() - before;
    if (!error.empty())
        return error;
    p.size = m_controller.queueEntries();
    p.sq = m_controller.submissionQueue(qid);
    p.cq = m_controller.completionQueue(qid);
    p.sqDoorbell = nvme::sqTailDoorbell(qid, m_controller.doorbellStride());
    p.cqDoorbell = nvme::cqHeadDoorbell(qid, m_controller.doorbellStride());
    p.sqTail = 0;
    p.cqHead = 0;
    p.phase = true;
    p.sqHead.store(0, std::memory_order_relaxed);
    p.cqView.store(p.cq, std::memory_order_relaxed);
    p.watch.moveTo({0, true});
    p.live = true;
    return {};
}

void NvmeTrigger::tearDown(uint32_t sub)
{
    if (sub >= m_vectors || !m_pairs[sub].live)
        return;
    m_pairs[sub].live = false;
    m_pairs[sub].watch.clear();
    const uint64_t before = m_controller.adminCompletions();
    (void)m_controller.deletePair(sub + 1);
    m_vectorZeroMessages += m_controller.adminCompletions() - before;
}

// The Verify command (NVM command set §3.3.6): SLBA 0, NLB 0 (one block), no PRP: nothing moves and nothing is
// written; the completion is posted to the pair's CQ, which interrupts on the vector.
int NvmeTrigger::submit(uint32_t sub)
{
    if (sub >= m_vectors)
        return -ENODEV;
    Pair& p = m_pairs[sub];
    if (!p.live)
        return -ENODEV;
    const uint32_t next = (p.sqTail + 1) % p.size;
    if (next == p.sqHead.load(std::memory_order_acquire))
        return -EBUSY;
    p.sq[p.sqTail] = NvmeController::verifyCommand(p.nextCid++);
    p.sqTail = next;
    std::atomic_thread_fence(std::memory_order_release); // the entry is in memory before the doorbell
    return m_device.regionWrite32(0, p.sqDoorbell, p.sqTail);
}

uint32_t NvmeTrigger::reap(uint32_t sub)
{
    if (sub >= m_vectors)
        return 0;
    Pair& p = m_pairs[sub];
    if (!p.live)
        return 0;
    uint32_t consumed = 0, errors = 0;
    for (;;) {
        nvme::CompletionEntry& e = p.cq[p.cqHead];
        const uint32_t dw3 = loadDmaWord(e.dw3);
        if (bool((dw3 >> 16) & 1) != p.phase)
            break;
        if ((dw3 >> 17) & 0x7ff)
            ++errors;
        p.sqHead.store(e.sqHead % p.size, std::memory_order_release);
        p.cqHead = (p.cqHead + 1) % p.size;
        if (p.cqHead == 0)
            p.phase = !p.phase;
        ++consumed;
    }
    if (consumed) {
        p.watch.moveTo({p.cqHead, p.phase});
        (void)m_device.regionWrite32(0, p.cqDoorbell, p.cqHead);
    }
    return errors;
}

uint64_t NvmeTrigger::nextCompletion(uint32_t sub) const
{
    return sub < m_vectors ? m_pairs[sub].watch.token() : CompletionWatch::kNone;
}

// The entry the controller writes next carries the phase tag the host expects (NVMe base 1.4 §4.6): the
// controller writes the whole 16-byte entry, and the poller looks only at the dword that holds the tag.
bool NvmeTrigger::completionVisible(uint32_t sub, uint64_t token) const
{
    if (sub >= m_vectors || token == CompletionWatch::kNone)
        return false;
    const nvme::CompletionEntry* cq = m_pairs[sub].cqView.load(std::memory_order_relaxed);
    if (!cq)
        return false;
    const CompletionPosition at = CompletionWatch::unpack(token);
    return bool((loadDmaWord(cq[at.index].dw3) >> 16) & 1) == at.phase;
}

void NvmeTrigger::shutdown()
{
    for (uint32_t sub = 0; sub < m_vectors; ++sub)
        tearDown(sub);
    m_controller.disable();
}

} // namespace irqscope::core

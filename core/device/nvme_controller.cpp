// NvmeController: reset, bring-up, admin commands and queue pairs of an NVMe controller (docs/dma-triggers.md §3).
#include "device/nvme_controller.h"

#include "base/monotonic_clock.h"
#include "device/dma_poll.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>

namespace irqscope::core {

namespace {

constexpr uint32_t kAdminEntries = 32;
constexpr uint64_t kAdminSqPage = 0, kAdminCqPage = 1, kIdentifyPage = 2, kFirstPairPage = 3;
constexpr uint64_t kPagesPerPair = 3; // SQ: 128 x 64 bytes = 2 pages; CQ: 128 x 16 bytes in 1 page

} // namespace

NvmeController::NvmeController(IrqDevice& device)
    : m_device(device)
{}

NvmeController::~NvmeController()
{
    disable();
}

std::string NvmeController::prefix() const
{
    return fmt::format("NVMe controller {}", m_device.info().id);
}

uint32_t NvmeController::read32(uint64_t offset)
{
    uint32_t v = 0;
    if (m_device.regionRead32(0, offset, v) < 0) {
        m_accessFailed = true;
        return 0xffffffff;
    }
    return v;
}

uint64_t NvmeController::read64(uint64_t offset)
{
    const uint64_t lo = read32(offset);
    return lo | (uint64_t(read32(offset + 4)) << 32);
}

void NvmeController::write32(uint64_t offset, uint32_t value)
{
    if (m_device.regionWrite32(0, offset, value) < 0)
        m_accessFailed = true;
}

void NvmeController::write64(uint64_t offset, uint64_t value)
{
    write32(offset, static_cast<uint32_t>(value));
    write32(offset + 4, static_cast<uint32_t>(value >> 32));
}

// CSTS.RDY follows CC.EN within CAP.TO (spec §3.1.1); CFS means the controller failed and will not recover.
std::string NvmeController::waitReady(bool ready)
{
    const int64_t deadline = monotonicNs() + m_timeoutNs;
    for (;;) {
        const uint32_t csts = read32(nvme::kCsts);
        if (m_accessFailed || csts == 0xffffffff)
            return fmt::format("{}: its registers cannot be read (CSTS): the device is gone or not responding",
                               prefix());
        if (ready && (csts & nvme::kCstsFatal))
            return fmt::format("{} reports a fatal error (CSTS.CFS=1) when enabled: reset the device (echo 1 > "
                               "/sys/bus/pci/devices/{}/reset) or check it",
                               prefix(), m_device.info().id);
        if (bool(csts & nvme::kCstsReady) == ready)
            return {};
        if (monotonicNs() > deadline)
            return fmt::format("{} did not become {} within CAP.TO ({} ms): CSTS.RDY stayed {}", prefix(),
                               ready ? "ready" : "disabled", m_timeoutNs / 1'000'000, ready ? 0 : 1);
        pollPause();
    }
}

std::string NvmeController::reset()
{
    m_cap = read64(nvme::kCap);
    if (m_accessFailed)
        return fmt::format("{}: BAR0 cannot be read: is it an NVMe controller?", prefix());
    m_stride = nvme::capDoorbellStride(m_cap);
    m_timeoutNs = std::max<int64_t>(1, nvme::capTimeout500ms(m_cap)) * 500'000'000;
    m_ioEntries = std::min<uint32_t>(kIoQueueEntries, nvme::capMqes(m_cap) + 1);
    if (!nvme::capNvmCommandSet(m_cap) || nvme::capMpsMin(m_cap) != 0 || m_ioEntries < 2)
        return fmt::format("{}: CAP {:#x} offers no NVM command set with 4 KiB pages: not supported", prefix(), m_cap);
    if (read32(nvme::kCc) & nvme::kCcEnable)
        write32(nvme::kCc, 0);
    return waitReady(false);
}

std::string NvmeController::enable(uint32_t pairs)
{
    std::string error;
    m_dma = m_device.allocateDma((kFirstPairPage + kPagesPerPair * pairs) * nvme::kPageSize, error);
    if (!m_dma)
        return error;
    std::memset(m_dma->data(), 0, m_dma->size());
    m_pairs = pairs;
    m_adminTail = m_adminHead = 0;
    m_adminPhase = true;
    // With MSI-X still off, admin completions would assert the INTx pin; INTMS masks it (the register is for
    // pin-based and MSI only; once vfio-pci enables MSI-X it no longer applies: docs/dma-triggers.md §3).
    write32(nvme::kIntms, 0xffffffff);
    write32(nvme::kAqa, ((kAdminEntries - 1) << 16) | (kAdminEntries - 1));
    write64(nvme::kAsq, m_dma->iova() + kAdminSqPage * nvme::kPageSize);
    write64(nvme::kAcq, m_dma->iova() + kAdminCqPage * nvme::kPageSize);
    write32(nvme::kCc, nvme::kCcEnable | nvme::kCcIosqes64 | nvme::kCcIocqes16);
    if (error = waitReady(true); error.empty()) {
        nvme::SubmissionEntry identify;
        identify.opcode = nvme::kAdminIdentify;
        identify.prp1 = m_dma->iova() + kIdentifyPage * nvme::kPageSize;
        identify.cdw10 = nvme::kIdentifyController;
        error = admin(identify, "Identify Controller");
    }
    if (error.empty()) {
        const uint8_t* page = m_dma->data() + kIdentifyPage * nvme::kPageSize;
        uint32_t namespaces = 0;
        std::memcpy(&namespaces, page + nvme::kIdentifyNnOffset, 4);
        if (namespaces == 0)
            error = fmt::format("{} has no namespace to verify a block of: use --trigger loopback", prefix());
    }
    if (error.empty())
        error = probeVerify();
    if (!error.empty())
        disable();
    return error;
}

std::string NvmeController::admin(nvme::SubmissionEntry cmd, const char* what)
{
    if (!m_dma)
        return fmt::format("{} is not enabled", prefix());
    auto* sq = reinterpret_cast<nvme::SubmissionEntry*>(m_dma->data() + kAdminSqPage * nvme::kPageSize);
    auto* cq = reinterpret_cast<nvme::CompletionEntry*>(m_dma->data() + kAdminCqPage * nvme::kPageSize);
    cmd.cid = ++m_adminCid;
    sq[m_adminTail] = cmd;
    m_adminTail = (m_adminTail + 1) % kAdminEntries;
    std::atomic_thread_fence(std::memory_order_release);
    write32(nvme::sqTailDoorbell(0, m_stride), m_adminTail);
    const int64_t deadline = monotonicNs() + m_timeoutNs;
    for (;;) {
        const uint32_t dw3 = loadDmaWord(cq[m_adminHead].dw3);
        if (bool((dw3 >> 16) & 1) == m_adminPhase) {
            m_adminHead = (m_adminHead + 1) % kAdminEntries;
            if (m_adminHead == 0)
                m_adminPhase = !m_adminPhase;
            write32(nvme::cqHeadDoorbell(0, m_stride), m_adminHead);
            ++m_adminCompletions;
            const uint16_t status = static_cast<uint16_t>(dw3 >> 17) & 0x7ff;
            if (status != 0)
                return fmt::format("{}: {} failed with status {:#x} (status code type {}, code {:#04x})", prefix(),
                                   what, status, status >> 8, status & 0xff);
            return {};
        }
        const uint32_t csts = read32(nvme::kCsts);
        if (m_accessFailed || (csts & nvme::kCstsFatal))
            return fmt::format("{} failed during {} (CSTS {:#x})", prefix(), what, csts);
        if (monotonicNs() > deadline)
            return fmt::format("{} did not complete {} within CAP.TO ({} ms)", prefix(), what, m_timeoutNs / 1'000'000);
        pollPause();
    }
}

nvme::SubmissionEntry NvmeController::verifyCommand(uint16_t cid)
{
    nvme::SubmissionEntry e;
    e.opcode = nvme::kIoVerify;
    e.cid = cid;
    e.nsid = 1; // SLBA 0 (CDW10/11), NLB 0 = one block (CDW12), no PRP: nothing is transferred
    return e;
}

// Whether the controller runs Verify is asked of the controller itself, not of Identify's ONCS bit 7
// (docs/dma-triggers.md §3): the command is tried once, on queue pair 1 on vector 0 with interrupts off (vector 0
// needs no MSI-X), polled.
std::string NvmeController::probeVerify()
{
    if (m_pairs == 0)
        return {};
    if (auto error = createPair(1, 0, false); !error.empty())
        return error;
    nvme::SubmissionEntry* sq = submissionQueue(1);
    nvme::CompletionEntry* cq = completionQueue(1);
    sq[0] = verifyCommand(0);
    std::atomic_thread_fence(std::memory_order_release);
    write32(nvme::sqTailDoorbell(1, m_stride), 1);
    std::string error;
    const int64_t deadline = monotonicNs() + m_timeoutNs;
    for (;;) {
        const uint32_t dw3 = loadDmaWord(cq[0].dw3);
        if ((dw3 >> 16) & 1) {
            write32(nvme::cqHeadDoorbell(1, m_stride), 1);
            if (const uint16_t status = (dw3 >> 17) & 0x7ff; status != 0)
                error = fmt::format("{} refuses the Verify command irqscope triggers with (status {:#x}): it needs "
                                    "Verify on namespace 1, the one command that moves no data and writes nothing; "
                                    "use --trigger loopback",
                                    prefix(), status);
            break;
        }
        if (monotonicNs() > deadline || m_accessFailed) {
            error = fmt::format("{} did not complete a Verify command within CAP.TO ({} ms)", prefix(),
                                m_timeoutNs / 1'000'000);
            break;
        }
        pollPause();
    }
    if (std::string e = deletePair(1); error.empty())
        error = e;
    return error;
}

nvme::SubmissionEntry* NvmeController::submissionQueue(uint32_t qid)
{
    const uint64_t page = kFirstPairPage + kPagesPerPair * (qid - 1);
    return reinterpret_cast<nvme::SubmissionEntry*>(m_dma->data() + page * nvme::kPageSize);
}

nvme::CompletionEntry* NvmeController::completionQueue(uint32_t qid)
{
    const uint64_t page = kFirstPairPage + kPagesPerPair * (qid - 1) + 2;
    return reinterpret_cast<nvme::CompletionEntry*>(m_dma->data() + page * nvme::kPageSize);
}

std::string NvmeController::createPair(uint32_t qid, uint32_t vector, bool interrupts)
{
    if (!m_dma || qid == 0 || qid > m_pairs)
        return fmt::format("{}: no room for I/O queue {}", prefix(), qid);
    std::memset(static_cast<void*>(completionQueue(qid)), 0,
                nvme::kPageSize); // every phase bit 0: the first entry comes with 1
    const uint32_t size = (m_ioEntries - 1) << 16;
    nvme::SubmissionEntry cq;
    cq.opcode = nvme::kAdminCreateCq;
    cq.prp1 = m_dma->iova() + (kFirstPairPage + kPagesPerPair * (qid - 1) + 2) * nvme::kPageSize;
    cq.cdw10 = size | qid;
    cq.cdw11 = (vector << 16) | (interrupts ? 0x2 : 0) | 0x1; // vector, interrupts enabled, contiguous
    if (auto error = admin(cq, "Create I/O Completion Queue"); !error.empty())
        return error;
    nvme::SubmissionEntry sq;
    sq.opcode = nvme::kAdminCreateSq;
    sq.prp1 = m_dma->iova() + (kFirstPairPage + kPagesPerPair * (qid - 1)) * nvme::kPageSize;
    sq.cdw10 = size | qid;
    sq.cdw11 = (qid << 16) | 0x1; // its completion queue, physically contiguous
    if (auto error = admin(sq, "Create I/O Submission Queue"); !error.empty()) {
        nvme::SubmissionEntry del;
        del.opcode = nvme::kAdminDeleteCq;
        del.cdw10 = qid;
        (void)admin(del, "Delete I/O Completion Queue");
        return error;
    }
    return {};
}

std::string NvmeController::deletePair(uint32_t qid)
{
    nvme::SubmissionEntry sq;
    sq.opcode = nvme::kAdminDeleteSq;
    sq.cdw10 = qid;
    std::string error = admin(sq, "Delete I/O Submission Queue");
    nvme::SubmissionEntry cq;
    cq.opcode = nvme::kAdminDeleteCq;
    cq.cdw10 = qid;
    if (std::string e = admin(cq, "Delete I/O Completion Queue"); error.empty())
        error = e;
    return error;
}

void NvmeController::disable()
{
    if (!m_dma)
        return;
    // The controller stops fetching and writing before its memory goes: CC.EN=0 and RDY=0 (a reset of the
    // controller, spec §3.7.2). If it never gets there, the memory is still unmapped: the IOMMU then faults its
    // writes instead of letting them land in freed pages.
    if (!m_accessFailed) {
        write32(nvme::kCc, 0);
        (void)waitReady(false);
    }
    m_dma.reset();
    m_pairs = 0;
}

} // namespace irqscope::core

// SimNvme: the nvme model's controller: registers, command fetch, completions written by DMA, interrupts after
// the latency model (docs/dma-triggers.md §4).
#include "sim/sim_nvme.h"

#include "base/monotonic_clock.h"

#include <algorithm>
#include <chrono>

namespace irqscope::core {

namespace {

constexpr uint32_t kMqes = 255; // queues of up to 256 entries
constexpr uint32_t kNamespaces = 1;

} // namespace

SimNvme::SimNvme(const SimConfig& config, SimDmaSpace& dma, RaiseFn raise, MsixEnabledFn msixEnabled)
    : m_config(config)
    , m_dma(dma)
    , m_raise(std::move(raise))
    , m_msixEnabled(std::move(msixEnabled))
    , m_random(config.faults.seed ^ 0x6e766d65ULL)
{
    // CAP: MQES, contiguous queues required, TO = 1 (500 ms), doorbell stride 4, the NVM command set, 4 KiB pages.
    m_cap = kMqes | (1ull << 16) | (1ull << 24) | (1ull << 37);
    m_doorbells.reserve(2 * kMaxQueues);
    m_thread = std::thread([this] { run(); });
}

SimNvme::~SimNvme()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    m_thread.join();
}

uint32_t SimNvme::read(uint64_t offset) const
{
    std::lock_guard lock(m_mutex);
    switch (offset) {
    case nvme::kCap:
        return static_cast<uint32_t>(m_cap);
    case nvme::kCap + 4:
        return static_cast<uint32_t>(m_cap >> 32);
    case nvme::kVs:
        return 0x10400; // 1.4
    case nvme::kIntms:
    case nvme::kIntmc:
        return m_intms;
    case nvme::kCc:
        return m_cc;
    case nvme::kCsts:
        return m_csts;
    case nvme::kAqa:
        return m_aqa;
    case nvme::kAsq:
        return static_cast<uint32_t>(m_asq);
    case nvme::kAsq + 4:
        return static_cast<uint32_t>(m_asq >> 32);
    case nvme::kAcq:
        return static_cast<uint32_t>(m_acq);
    case nvme::kAcq + 4:
        return static_cast<uint32_t>(m_acq >> 32);
    default:
        return 0;
    }
}

void SimNvme::write(uint64_t offset, uint32_t value)
{
    std::unique_lock lock(m_mutex);
    auto setLow = [value](uint64_t& r) {
        r = (r & ~0xffffffffull) | value;
    };
    auto setHigh = [value](uint64_t& r) {
        r = (r & 0xffffffffull) | (uint64_t(value) << 32);
    };
    switch (offset) {
    case nvme::kIntms:
        m_intms |= value;
        return;
    case nvme::kIntmc:
        m_intms &= ~value;
        return;
    case nvme::kCc: {
        const bool was = m_cc & nvme::kCcEnable;
        m_cc = value;
        if (was != bool(value & nvme::kCcEnable))
            enableLocked(!was);
        return;
    }
    case nvme::kAqa:
        m_aqa = value;
        return;
    case nvme::kAsq:
        setLow(m_asq);
        return;
    case nvme::kAsq + 4:
        setHigh(m_asq);
        return;
    case nvme::kAcq:
        setLow(m_acq);
        return;
    case nvme::kAcq + 4:
        setHigh(m_acq);
        return;
    default:
        break;
    }
    if (offset < nvme::kDoorbells || !(m_csts & nvme::kCstsReady))
        return;
    const uint64_t n = (offset - nvme::kDoorbells) / 4;
    const auto qid = static_cast<uint32_t>(n / 2);
    if (qid >= kMaxQueues)
        return;
    if (n % 2 == 0) {
        Queue& sq = m_sq[qid];
        if (!sq.exists || value >= sq.size)
            return;
        sq.tail = value;
        m_doorbells.push_back(qid);
    } else {
        Queue& cq = m_cq[qid];
        if (!cq.exists || value >= cq.size)
            return;
        cq.head = value; // room for entries held back while the queue was full
    }
    lock.unlock();
    m_cv.notify_all();
}

SimNvmeStats SimNvme::stats() const
{
    std::lock_guard lock(m_mutex);
    SimNvmeStats s = m_stats;
    s.enabled = m_cc & nvme::kCcEnable;
    s.ioQueues = 0;
    for (uint32_t q = 1; q < kMaxQueues; ++q)
        s.ioQueues += m_cq[q].exists ? 1 : 0;
    return s;
}

// CC.EN 0 -> 1 sets up the admin queue from AQA/ASQ/ACQ and becomes ready; 1 -> 0 is a controller reset: every
// queue and every pending completion is gone, RDY clears.
void SimNvme::enableLocked(bool on)
{
    m_sq.fill({});
    m_cq.fill({});
    m_doorbells.clear();
    m_events.clear();
    if (!on) {
        m_csts = 0;
        return;
    }
    switch (m_config.nvmeFault) {
    case SimNvmeFault::NeverReady:
        return;
    case SimNvmeFault::Fatal:
        m_csts = nvme::kCstsFatal;
        return;
    default:
        break;
    }
    m_sq[0] = {true, m_asq, (m_aqa & 0xfff) + 1, 0, 0, 0, 0, false, true};
    m_cq[0] = {true, m_acq, ((m_aqa >> 16) & 0xfff) + 1, 0, 0, 0, 0, true, true};
    m_csts = nvme::kCstsReady;
}

void SimNvme::run()
{
    std::vector<uint32_t> raises;
    raises.reserve(kMaxQueues);
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
        const int64_t now = monotonicNs();
        raises.clear();
        while (!m_doorbells.empty()) {
            const uint32_t sqid = m_doorbells.back();
            m_doorbells.pop_back();
            fetchLocked(sqid, now, raises);
        }
        for (Event e; m_events.popDue(now, e);) {
            if (e.raise) {
                m_stats.lastInterruptNs = now;
                raises.push_back(e.vector);
                continue;
            }
            if (!postLocked(e.cqid, e.entry)) {
                const Queue& full = m_cq[e.cqid];
                if (full.exists && (full.tail + 1) % full.size == full.head) { // again once the host moves the head
                    e.dueNs = now + 100'000;
                    m_events.push(e);
                }
                continue;
            }
            ++m_stats.ioCompletions;
            m_stats.lastVisibleNs = now;
            const Queue& cq = m_cq[e.cqid];
            if (cq.interrupts) {
                // The entry is in memory now; its message follows after the interrupt latency.
                m_events.push({now + m_random.latencyNs(m_config.interruptLatency), true, e.cqid, cq.vector, {}});
            }
        }
        if (!raises.empty()) {
            m_stats.interrupts += raises.size();
            lock.unlock();
            for (uint32_t v : raises)
                m_raise(v);
            lock.lock();
            continue;
        }
        if (!m_doorbells.empty())
            continue;
        m_events.waitForNext(m_cv, lock);
    }
}

// Takes every entry between the SQ's head and its tail. Admin commands complete at once (vector 0); an I/O
// command's completion is scheduled after the device latency.
void SimNvme::fetchLocked(uint32_t sqid, int64_t nowNs, std::vector<uint32_t>& raises)
{
    Queue& sq = m_sq[sqid];
    while (sq.exists && sq.head != sq.tail) {
        nvme::SubmissionEntry cmd;
        const bool fetched = m_dma.read(sq.base + uint64_t(sq.head) * nvme::kSqEntryBytes, &cmd, sizeof cmd);
        sq.head = (sq.head + 1) % sq.size;
        if (!fetched) {
            ++m_stats.dmaFaults;
            continue;
        }
        nvme::CompletionEntry entry;
        entry.sqHead = static_cast<uint16_t>(sq.head);
        entry.sqId = static_cast<uint16_t>(sqid);
        if (sqid == 0) {
            ++m_stats.adminCommands;
            const uint16_t status = adminLocked(cmd);
            entry.dw3 = cmd.cid | (uint32_t(status) << 17);
            if (postLocked(0, entry))
                raises.push_back(0);
            continue;
        }
        ++m_stats.ioCommands;
        entry.dw3 = cmd.cid | (uint32_t(ioStatus(cmd)) << 17);
        m_events.push({nowNs + m_random.latencyNs(m_config.deviceLatency), false, sq.cqid, 0, entry});
    }
}

uint16_t SimNvme::adminLocked(const nvme::SubmissionEntry& cmd)
{
    const auto qid = static_cast<uint32_t>(cmd.cdw10 & 0xffff);
    const uint32_t qsize = (cmd.cdw10 >> 16) + 1;
    switch (cmd.opcode) {
    case nvme::kAdminIdentify: {
        if ((cmd.cdw10 & 0xff) != nvme::kIdentifyController)
            return nvme::kStatusInvalidField;
        std::array<uint8_t, nvme::kPageSize> page{};
        const uint16_t oncs = m_config.nvmeFault == SimNvmeFault::NoVerify ? 0 : nvme::kOncsVerify;
        page[nvme::kIdentifyOncsOffset] = static_cast<uint8_t>(oncs);
        page[nvme::kIdentifyNnOffset] = kNamespaces;
        if (!m_dma.write(cmd.prp1, page.data(), page.size())) {
            ++m_stats.dmaFaults;
            return 0x06; // internal error: the transfer failed
        }
        return 0;
    }
    case nvme::kAdminCreateCq: {
        const uint32_t vector = cmd.cdw11 >> 16;
        if (qid == 0 || qid >= kMaxQueues || m_cq[qid].exists)
            return nvme::kStatusInvalidQid;
        if (vector >= m_config.msixVectors || (vector != 0 && !m_msixEnabled()))
            return nvme::kStatusInvalidVector;
        if (qsize < 2 || qsize > kMqes + 1 || !(cmd.cdw11 & 1))
            return nvme::kStatusInvalidField;
        m_cq[qid] = {true, cmd.prp1, qsize, 0, 0, 0, vector, bool(cmd.cdw11 & 2), true};
        return 0;
    }
    case nvme::kAdminCreateSq: {
        const uint32_t cqid = cmd.cdw11 >> 16;
        if (qid == 0 || qid >= kMaxQueues || m_sq[qid].exists)
            return nvme::kStatusInvalidQid;
        if (cqid == 0 || cqid >= kMaxQueues || !m_cq[cqid].exists)
            return 0x100; // completion queue invalid
        if (qsize < 2 || qsize > kMqes + 1 || !(cmd.cdw11 & 1))
            return nvme::kStatusInvalidField;
        m_sq[qid] = {true, cmd.prp1, qsize, 0, 0, cqid, 0, false, true};
        return 0;
    }
    case nvme::kAdminDeleteSq:
        if (qid == 0 || qid >= kMaxQueues || !m_sq[qid].exists)
            return nvme::kStatusInvalidQid;
        m_sq[qid] = {};
        return 0;
    case nvme::kAdminDeleteCq:
        if (qid == 0 || qid >= kMaxQueues || !m_cq[qid].exists)
            return nvme::kStatusInvalidQid;
        for (const auto& sq : m_sq)
            if (sq.exists && sq.cqid == qid)
                return 0x10c; // invalid queue deletion: an SQ still uses it
        m_cq[qid] = {};
        return 0;
    default:
        return nvme::kStatusInvalidOpcode;
    }
}

uint16_t SimNvme::ioStatus(const nvme::SubmissionEntry& cmd) const
{
    if (cmd.opcode != nvme::kIoVerify || m_config.nvmeFault == SimNvmeFault::NoVerify)
        return nvme::kStatusInvalidOpcode;
    if (cmd.nsid == 0 || cmd.nsid > kNamespaces)
        return 0x0b; // invalid namespace
    if (m_config.nvmeFault == SimNvmeFault::CommandError)
        return nvme::kStatusInvalidField;
    return 0;
}

// Writes the entry at the CQ's tail with the queue's phase; the dword holding the phase is stored last, with
// release ordering, as a device's write becomes visible whole or not at all to a poller of the phase bit.
bool SimNvme::postLocked(uint32_t cqid, nvme::CompletionEntry entry)
{
    Queue& cq = m_cq[cqid];
    if (!cq.exists || (cq.tail + 1) % cq.size == cq.head)
        return false;
    const uint64_t at = cq.base + uint64_t(cq.tail) * nvme::kCqEntryBytes;
    entry.dw3 = (entry.dw3 & ~(1u << 16)) | (cq.phase ? 1u << 16 : 0);
    if (!m_dma.write(at, &entry, 12) || !m_dma.storeRelease32(at + 12, entry.dw3)) {
        ++m_stats.dmaFaults;
        return false;
    }
    cq.tail = (cq.tail + 1) % cq.size;
    if (cq.tail == 0)
        cq.phase = !cq.phase;
    return true;
}

} // namespace irqscope::core

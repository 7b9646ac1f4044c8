// SimNvme: a DMA-completion device for the simulated device's `nvme` model (docs/dma-triggers.md §4): a small
// NVMe controller behind BAR0 (CAP, CC, CSTS, AQA/ASQ/ACQ, doorbells) that takes admin commands (Identify
// Controller, Create/Delete I/O CQ and SQ) and the NVM Verify command, writes each completion entry into host
// memory through the SimDmaSpace and raises the completion queue's MSI-X vector later. An I/O command's entry
// becomes visible `deviceLatency` after its doorbell and its interrupt follows `interruptLatency` after that, so
// both of irqscope's latencies (trigger -> eventfd, visible -> eventfd) have known lower bounds in tests. Admin
// completions are posted at once, with vector 0's message (the admin CQ's vector, as on a real controller).
// Faults: a controller that never becomes ready, one that reports fatal status (CSTS.CFS), I/O commands that
// complete with an error status, no Verify command (Identify's ONCS bit 7 clear).
//
// Thread-safety: read()/write() from any thread; a worker thread fetches commands and posts completions. The
// raise callback runs on the worker thread without this object's lock held.
#pragma once

#include "base/nvme_spec.h"
#include "sim/sim_config.h"
#include "sim/sim_dma_space.h"
#include "sim/sim_due_queue.h"
#include "sim/sim_random.h"

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace irqscope::core {

struct SimNvmeStats
{
    uint64_t adminCommands = 0;
    uint64_t ioCommands = 0;
    uint64_t ioCompletions = 0;  // I/O completion entries written to memory
    uint64_t interrupts = 0;     // MSI-X messages sent (admin and I/O)
    uint64_t dmaFaults = 0;      // accesses outside every mapped buffer
    int64_t lastVisibleNs = 0;   // when the last I/O completion entry was written (CLOCK_MONOTONIC)
    int64_t lastInterruptNs = 0; // when the last I/O completion's message was sent (just before it is)
    uint32_t ioQueues = 0;       // I/O completion queues that exist now
    bool enabled = false;        // CC.EN
};

class SimNvme
{
public:
    static constexpr uint32_t kMaxQueues = 65; // the admin queue and 64 I/O queue pairs
    static constexpr uint32_t kBarSize = 0x2000;
    using RaiseFn = std::function<void(uint32_t vector)>;
    using MsixEnabledFn = std::function<bool()>;

    // `msixEnabled` says whether the host enabled MSI-X: as QEMU's nvme (nvme_create_cq), a completion queue on a
    // vector other than 0 is refused while it is off (docs/dma-triggers.md §3).
    SimNvme(const SimConfig& config, SimDmaSpace& dma, RaiseFn raise, MsixEnabledFn msixEnabled);
    ~SimNvme();
    SimNvme(const SimNvme&) = delete;
    SimNvme& operator=(const SimNvme&) = delete;

    uint32_t read(uint64_t offset) const;
    void write(uint64_t offset, uint32_t value);
    SimNvmeStats stats() const;

private:
    struct Queue
    {
        bool exists = false;
        uint64_t base = 0;
        uint32_t size = 0;
        uint32_t head = 0, tail = 0;
        uint32_t cqid = 0;   // SQ: its completion queue
        uint32_t vector = 0; // CQ: its MSI-X vector
        bool interrupts = false;
        bool phase = true; // CQ: the phase the next entry is written with
    };
    struct Event
    {
        int64_t dueNs = 0;
        bool raise = false; // false: write the completion entry; true: send the vector's message
        uint32_t cqid = 0;
        uint32_t vector = 0;
        nvme::CompletionEntry entry;
    };

    void run();
    void enableLocked(bool on);
    void fetchLocked(uint32_t sqid, int64_t nowNs, std::vector<uint32_t>& raises);
    uint16_t adminLocked(const nvme::SubmissionEntry& cmd);
    uint16_t ioStatus(const nvme::SubmissionEntry& cmd) const;
    bool postLocked(uint32_t cqid, nvme::CompletionEntry entry); // false: the CQ is full or gone

    SimConfig m_config;
    SimDmaSpace& m_dma;
    RaiseFn m_raise;
    MsixEnabledFn m_msixEnabled;
    SimRandom m_random;

    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    uint64_t m_cap = 0;
    uint32_t m_cc = 0, m_csts = 0, m_aqa = 0, m_intms = 0;
    uint64_t m_asq = 0, m_acq = 0;
    std::array<Queue, kMaxQueues> m_sq{}, m_cq{};
    std::vector<uint32_t> m_doorbells; // SQ ids whose tail moved, for the worker
    SimDueQueue<Event> m_events{1024};
    SimNvmeStats m_stats;
    bool m_stop = false;
    std::thread m_thread;
};

} // namespace irqscope::core

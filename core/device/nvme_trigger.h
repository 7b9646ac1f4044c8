// NvmeTrigger: the CommandTrigger of NVMe controllers (PCI class 01:08:02) and of the simulated device's nvme
// model (docs/dma-triggers.md §3). MSI-X vector n gets I/O queue pair n+1, its completion queue interrupting on
// vector n; a trigger is one NVM Verify command of one block of namespace 1: the controller reads the block and
// checks it inside itself, moves no data to or from host memory and changes nothing stored. Its completion entry
// raises vector n.
#pragma once

#include "device/command_trigger.h"
#include "device/completion_watch.h"
#include "device/nvme_controller.h"
#include "vfio/irq_device.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace irqscope::core {

class NvmeTrigger final : public CommandTrigger
{
public:
    static constexpr uint32_t kMaxPairs = 64;

    // `device` must outlive this object. Nothing is touched until prepare().
    explicit NvmeTrigger(IrqDevice& device);
    ~NvmeTrigger() override; // shutdown()

    const std::string& name() const override { return m_name; }
    bool canRaise(VectorId id) const override;
    std::string prepare() override;
    std::string setUp(uint32_t sub) override;
    void tearDown(uint32_t sub) override;
    int submit(uint32_t sub) override;
    uint32_t reap(uint32_t sub) override;
    void shutdown() override;
    uint64_t vectorZeroMessages() const override { return m_vectorZeroMessages; }
    uint64_t nextCompletion(uint32_t sub) const override;
    bool completionVisible(uint32_t sub, uint64_t token) const override;

    // Only the reset of prepare(): a controller a previous run left enabled is disabled. "" or one line.
    std::string resetOnly();
    bool enabled() const { return m_controller.enabled(); }

private:
    struct Pair
    {
        bool live = false;
        uint32_t size = 0;
        uint64_t sqDoorbell = 0, cqDoorbell = 0;
        nvme::SubmissionEntry* sq = nullptr;
        nvme::CompletionEntry* cq = nullptr;
        uint32_t sqTail = 0;             // firing thread
        uint16_t nextCid = 0;            // firing thread
        std::atomic<uint32_t> sqHead{0}; // the controller's SQ head from the last completion: core -> firing thread
        uint32_t cqHead = 0;             // core thread
        bool phase = true;               // core thread: the phase of the next new entry
        // For the delivery poller: where the next entry will be written (cqHead, phase), and the CQ it reads.
        CompletionWatch watch;
        std::atomic<const nvme::CompletionEntry*> cqView{nullptr};
    };

    IrqDevice& m_device;
    NvmeController m_controller;
    std::string m_name = "nvme";
    uint32_t m_vectors = 0; // MSI-X vectors that can get a queue
    std::unique_ptr<Pair[]> m_pairs;
    uint64_t m_vectorZeroMessages = 0; // admin completions since MSI-X was enabled (setUp/tearDown)
};

} // namespace irqscope::core

// DeliveryWatch: the core thread's side of interrupt delivery (docs/dma-triggers.md §6): starts the completion
// poller on another CPU when the run has a command trigger and device-raised triggers, and per completion hands
// TriggerBooks what it needs to pair the poller's stamp (DeliveryMark). Without a second CPU it starts nothing and
// keeps the one-line reason.
#pragma once

#include "base/vector_id.h"
#include "device/command_trigger.h"
#include "engine/completion_poller.h"
#include "engine/delivery_stamps.h"
#include "engine/engine_config.h"

#include <memory>
#include <optional>
#include <string>

namespace irqscope::core {

class DeliveryWatch
{
public:
    explicit DeliveryWatch(uint32_t slots);

    // At set-up, on the core thread (allocates): the poller for the vectors the command trigger can raise, on
    // choosePollerCpu's CPU. nullopt, with pollerCpu() / note() telling what happened, or a one-line error (an
    // explicit --poller-cpu that cannot be used, a thread that cannot be pinned).
    std::optional<std::string> start(const EngineConfig& config, const VectorSlots& slots, int coreCpu);
    void stop(); // the stamps already published stay readable
    int pollerCpu() const { return m_pollerCpu; }
    const std::string& note() const { return m_note; }

    // Per completion, before the command trigger reaps it: no allocation, no lock, no syscall.
    DeliveryMark mark(uint32_t slot, uint32_t sub, TriggerMode mode) const
    {
        DeliveryMark m;
        if (!m_poller || !m_tracked[slot] || mode != TriggerMode::Device)
            return m;
        m.tracked = true;
        m.token = m_trigger->nextCompletion(sub); // the completion this eventfd read announces
        const DeliveryStamps::Read stamp = m_stamps.read(slot);
        m.stampToken = stamp.token;
        m.visibleNs = stamp.visibleNs;
        return m;
    }

private:
    DeliveryStamps m_stamps;
    std::unique_ptr<bool[]> m_tracked; // per slot: the poller watches its completions
    std::unique_ptr<CompletionPoller> m_poller;
    const CommandTrigger* m_trigger = nullptr;
    int m_pollerCpu = -1;
    std::string m_note;
};

} // namespace irqscope::core

#include "engine/delivery_watch.h"

#include "engine/cpu_setup.h"

#include <vector>

namespace irqscope::core {

DeliveryWatch::DeliveryWatch(uint32_t slots)
    : m_stamps(slots)
    , m_tracked(std::make_unique<bool[]>(slots ? slots : 1))
{}

std::optional<std::string> DeliveryWatch::start(const EngineConfig& config, const VectorSlots& slots, int coreCpu)
{
    const CommandTrigger* trigger = config.commandTrigger;
    if (!trigger || config.triggerMode != TriggerMode::Device)
        return std::nullopt;
    std::vector<CompletionPoller::Watched> watched;
    for (uint32_t slot = 0; slot < slots.size(); ++slot) {
        const VectorId id = slots.id(slot);
        if (id.index == IrqIndex::Msix && trigger->canRaise(id))
            watched.push_back({slot, id.sub});
    }
    if (watched.empty())
        return std::nullopt;
    std::string why;
    const auto cpu = choosePollerCpu(config.pollerCpu, coreCpu, config.triggerCpu, allowedCpus(), why);
    if (!cpu) {
        if (config.pollerCpu >= 0)
            return why; // asked for explicitly: a usage error, not a silent absence
        m_note = why;
        return std::nullopt;
    }
    auto poller = std::make_unique<CompletionPoller>(*trigger, m_stamps, watched);
    if (auto err = poller->start(*cpu))
        return err;
    for (const auto& w : watched)
        m_tracked[w.slot] = true;
    m_poller = std::move(poller);
    m_trigger = trigger;
    m_pollerCpu = *cpu;
    return std::nullopt;
}

void DeliveryWatch::stop()
{
    if (m_poller)
        m_poller->stop();
}

} // namespace irqscope::core

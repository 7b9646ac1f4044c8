#include "engine/engine.h"

#include "engine/core_thread.h"
#include "vfio/irq_device.h"

#include <cstring>
#include <thread>

namespace irqscope::core {

Engine::Engine(IrqDevice& device, EngineConfig config)
    : m_device(device)
    , m_config(config)
    , m_slots(vectorSlotsOf(device))
    , m_samples(std::make_unique<SpscRing<Sample>>(config.sampleRingCapacity))
    , m_core(std::make_unique<CoreThread>(m_device, m_config, m_slots, *m_samples))
{}

Engine::~Engine()
{
    stop();
}

std::optional<std::string> Engine::start()
{
    return m_core->start();
}

uint64_t Engine::post(Command command)
{
    std::lock_guard lock(m_postMutex);
    command.token = m_nextToken.fetch_add(1, std::memory_order_relaxed);
    if (!m_core->running() || !m_core->post(command))
        return 0;
    return command.token;
}

std::optional<CommandResult> Engine::waitResult(uint64_t token, std::chrono::milliseconds timeout)
{
    const auto giveUp = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        {
            std::lock_guard lock(m_resultMutex);
            CommandResult result;
            while (m_core->takeResult(result))
                m_pendingResults.push_back(result);
            for (auto it = m_pendingResults.begin(); it != m_pendingResults.end(); ++it) {
                if (it->token == token) {
                    CommandResult found = *it;
                    m_pendingResults.erase(it);
                    return found;
                }
            }
            // Bound what accumulates from fire-and-forget posts.
            if (m_pendingResults.size() > 1024)
                m_pendingResults.erase(m_pendingResults.begin(), m_pendingResults.begin() + 512);
        }
        if (std::chrono::steady_clock::now() >= giveUp || !m_core->running())
            return std::nullopt;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
}

CommandResult Engine::execute(Command command, std::chrono::milliseconds timeout)
{
    const uint64_t token = post(command);
    CommandResult result;
    if (token == 0) {
        result.error = ESHUTDOWN;
        std::snprintf(result.message.data(), result.message.size(), "the core thread is not running");
        return result;
    }
    if (auto r = waitResult(token, timeout))
        return *r;
    result.token = token;
    result.error = ETIMEDOUT;
    std::snprintf(result.message.data(), result.message.size(), "the core thread did not answer within %lld ms",
                  static_cast<long long>(timeout.count()));
    return result;
}

void Engine::stop()
{
    if (m_core->running()) {
        Command stopCommand;
        stopCommand.kind = CommandKind::Stop;
        post(stopCommand);
    }
    m_core->join();
}

bool Engine::running() const
{
    return m_core->running();
}

const VectorCounters& Engine::counters(uint32_t slot) const
{
    return m_core->counters(slot);
}

bool Engine::takeNotice(EngineNotice& out)
{
    return m_core->takeNotice(out);
}

EngineStatus Engine::status() const
{
    return m_core->status();
}

} // namespace irqscope::core

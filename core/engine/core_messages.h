// CoreMessages: the two rings the core thread talks back through: command results (one per command, matched by
// token) and notices (something that happened mid-run that the user should hear of). The core thread formats
// into fixed arrays and pushes (no allocation, no lock; a full ring drops the message); the controller side
// (Engine) pops.
#pragma once

#include "engine/command.h"
#include "engine/engine.h"
#include "engine/spsc_ring.h"

#include <cstring>

namespace irqscope::core {

inline const char* errnoName(int err)
{
    const char* name = strerrorname_np(err);
    return name ? name : "?";
}

inline const char* errnoText(int err)
{
    const char* text = strerrordesc_np(err);
    return text ? text : "unknown error";
}

class CoreMessages
{
public:
    // Core thread.
    void reply(const Command& command, int error, const char* format, ...) __attribute__((format(printf, 4, 5)));
    void notice(const char* format, ...) __attribute__((format(printf, 2, 3)));

    // Controller side.
    bool takeResult(CommandResult& out) { return m_results.tryPop(out); }
    bool takeNotice(EngineNotice& out) { return m_notices.tryPop(out); }

private:
    SpscRing<CommandResult> m_results{256};
    SpscRing<EngineNotice> m_notices{64};
};

} // namespace irqscope::core

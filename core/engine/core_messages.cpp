#include "engine/core_messages.h"

#include <cstdarg>
#include <cstdio>

namespace irqscope::core {

void CoreMessages::reply(const Command& command, int error, const char* format, ...)
{
    CommandResult result;
    result.token = command.token;
    result.error = error;
    va_list args;
    va_start(args, format);
    std::vsnprintf(result.message.data(), result.message.size(), format, args);
    va_end(args);
    (void)m_results.tryPush(result);
}

void CoreMessages::notice(const char* format, ...)
{
    EngineNotice n;
    va_list args;
    va_start(args, format);
    std::vsnprintf(n.text.data(), n.text.size(), format, args);
    va_end(args);
    (void)m_notices.tryPush(n);
}

} // namespace irqscope::core

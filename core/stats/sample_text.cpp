// Reason texts for errors, missed triggers, stuck masks and spurious completions.
#include "stats/sample_text.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace irqscope::core {

std::string describeErrno(int error)
{
    const char* name = strerrorname_np(error);
    const char* text = strerrordesc_np(error);
    if (!name || !text)
        return fmt::format("unknown error {}", error);
    return fmt::format("{} ({})", text, name);
}

std::string errorEventText(int error)
{
    return "SET_IRQS or device access failed: " + describeErrno(error);
}

std::string missedText(int reason)
{
    switch (reason) {
    case ETIME:
        return "missed: no completion before the deadline";
    case ECOMM:
        return "missed: the trigger call failed";
    case ESHUTDOWN:
        return "missed: disarmed before the completion arrived";
    default:
        return "missed: " + describeErrno(reason);
    }
}

std::string stuckText(VectorId id)
{
    if (id.index == IrqIndex::Intx)
        return "stuck mask: triggers keep missing after UNMASK";
    return "stuck: triggers keep missing while the vector should be unmasked";
}

std::string spuriousText(uint64_t completions)
{
    return fmt::format("spurious: {} completion{} with no outstanding trigger", completions,
                       completions == 1 ? "" : "s");
}

} // namespace irqscope::core

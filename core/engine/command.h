// Commands sent to the core thread through its command ring, and the results it sends back.
#pragma once

#include "engine/engine_config.h"
#include "vfio/vfio_uapi.h"

#include <array>
#include <cstdint>
#include <string_view>

namespace irqscope::core {

enum class CommandKind : uint8_t
{
    Arm,             // set trigger eventfds on [start, start+count) of index
    Disarm,          // remove them (disables the index when none is left)
    TriggerOnce,     // fire each vector in the range once
    StartTriggering, // add the range to the trigger generator's set
    StopTriggering,  // remove it
    Mask,            // ACTION_MASK (INTx)
    Unmask,          // ACTION_UNMASK (INTx)
    SetRate,         // value = Hz per vector
    SetTriggerMode,  // mode
    ResetStats,      // zero the counters of every vector
    Stop,            // stop triggering, wait for in-flight completions, disarm everything, exit the thread
};

struct Command
{
    CommandKind kind = CommandKind::Stop;
    IrqIndex index = IrqIndex::Intx;
    uint32_t start = 0;
    uint32_t count = 1;
    double value = 0;
    TriggerMode mode = TriggerMode::Loopback;
    uint64_t token = 0; // set by Engine::post; echoed in the result
};

struct CommandResult
{
    uint64_t token = 0;
    int32_t error = 0; // 0 or an errno; `message` says what happened and what to do
    std::array<char, 200> message{};

    std::string_view text() const { return {message.data()}; }
};

} // namespace irqscope::core

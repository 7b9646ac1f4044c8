// Helpers the engine tests share: a Command in one call, the SET_IRQS flag pairs they look for in a
// RecordingDevice's call log, and the books-balance check every engine test ends with.
#pragma once

#include "base/vector_id.h"
#include "engine/engine.h"

#include <gtest/gtest.h>
#include <linux/vfio.h>

#include <cstdint>

namespace irqscope::test {

inline constexpr uint32_t kSetFds = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
inline constexpr uint32_t kLoopback = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;

inline core::Command cmd(core::CommandKind kind, core::IrqIndex index, uint32_t start, uint32_t count, double value = 0)
{
    core::Command c;
    c.kind = kind;
    c.index = index;
    c.start = start;
    c.count = count;
    c.value = value;
    return c;
}

// Every trigger ended as completed, coalesced or missed, or is still in flight.
inline void expectBooksBalance(core::Engine& engine)
{
    for (uint32_t slot = 0; slot < engine.slots().size(); ++slot) {
        const core::CountersCopy c = engine.counters(slot).read();
        EXPECT_EQ(c.triggered, c.completed + c.coalesced + c.missed + c.inFlight)
            << core::vectorName(engine.slots().id(slot));
    }
}

} // namespace irqscope::test

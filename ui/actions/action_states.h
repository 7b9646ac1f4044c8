// ActionStates: which of the dashboard's commands can run now, and why not, as a pure function of what the
// window knows (session mode, running, stopping, the selection, the export). The window gathers ActionInputs,
// calls actionStates() and applies the result to its QActions and the engine panel; the rules live here, where
// a test can walk every combination without a window.
#pragma once

#include "base/irq_index.h"

#include <QString>

#include <array>
#include <cstdint>

namespace irqscope::ui {

enum class SessionMode; // session/measurement_session.h

// What the states depend on.
struct ActionInputs
{
    SessionMode mode{}; // Closed
    // The session's running(): the core thread (live), samples still being played (replay), the observer.
    bool running = false;
    bool stopping = false; // a live stop is disarming and draining
    // Observe: the process that owns the device.
    QString ownerName;
    int ownerPid = 0;
    // The selected vectors, counted per IRQ index, and the indexes whose GET_IRQ_INFO says MASKABLE.
    std::array<uint32_t, core::kNumPciIrqIndexes> selected{};
    std::array<bool, core::kNumPciIrqIndexes> maskable{};
    bool replayPaced = false; // a replay at the recorded pace (or slower), not yet at full speed
    bool hasSnapshot = false; // something was measured (or replayed, or observed)
    bool exporting = false;   // a report is being written
};

struct ActionState
{
    bool enabled = false;
    QString whyNot; // why it is disabled; empty when enabled (the control keeps its own tool tip)

    friend bool operator==(const ActionState&, const ActionState&) = default;
};

// One state per dashboard action (see DashboardActions), and the engine settings panel's controls.
struct ActionStates
{
    ActionState open;
    ActionState openRecording;
    ActionState start;
    ActionState stop;
    ActionState arm;
    ActionState disarm;
    ActionState triggerOnce;
    ActionState triggerStart;
    ActionState triggerStop;
    ActionState mask;
    ActionState unmask;
    ActionState reset;
    ActionState exportReport;
    ActionState replayFullSpeed;
    ActionState activeOnly; // a view filter: always available (its checked state is the user's)
    ActionState quit;
    ActionState engineSettings;
};

ActionStates actionStates(const ActionInputs& in);

} // namespace irqscope::ui

// The rules that enable the dashboard's controls: a command for the selected vectors needs a live, running
// engine and a selection; masking also needs an index the kernel can mask; a read-only session (a recording, a
// device another process owns) and a stop in progress disable what they would disturb, each with its reason.
#include "actions/action_states.h"

#include "format/display_text.h"
#include "session/measurement_session.h"

namespace irqscope::ui {

namespace {

ActionState enabledIf(bool enabled, const QString& whyNot)
{
    return enabled ? ActionState{true, {}} : ActionState{false, whyNot};
}

// Why the session is read-only ("" when it is not).
QString readOnlyReason(const ActionInputs& in)
{
    switch (in.mode) {
    case SessionMode::Replay:
        return QStringLiteral("A recording is read-only: open a device (Ctrl+O) to arm, trigger or mask vectors");
    case SessionMode::Observe:
        return QStringLiteral("Observing: %1 (pid %2) owns this device, so irqscope cannot arm, trigger or mask "
                              "its vectors")
            .arg(in.ownerName, QString::number(in.ownerPid));
    case SessionMode::Live:
    case SessionMode::Closed:
        break;
    }
    return {};
}

// Masking works only on indexes whose GET_IRQ_INFO says MASKABLE (INTx); the kernel answers ENOTTY for
// MSI/MSI-X. The first selected index (in slot order, which is index order) that cannot be masked, if any.
QString unmaskableReason(const ActionInputs& in)
{
    for (uint32_t i = 0; i < core::kNumPciIrqIndexes; ++i) {
        if (in.selected[i] && !in.maskable[i])
            return QStringLiteral("%1 vectors cannot be masked through VFIO: the kernel answers ENOTTY for "
                                  "MSI/MSI-X masking (only INTx is maskable, docs/kernel-vfio-irq.md §2.2)")
                .arg(indexLabel(static_cast<core::IrqIndex>(i)));
    }
    return {};
}

bool anySelected(const ActionInputs& in)
{
    for (uint32_t count : in.selected) {
        if (count)
            return true;
    }
    return false;
}

} // namespace

ActionStates actionStates(const ActionInputs& in)
{
    const bool open = in.mode != SessionMode::Closed;
    const bool live = in.mode == SessionMode::Live;
    const bool running = live && in.running; // the engine runs (a replay or an observer takes no commands)
    const QString readOnly = readOnlyReason(in);
    const QString stoppingWhy =
        QStringLiteral("Stopping: disarming the vectors and draining in-flight triggers (up to 0.5 s)…");

    // Commands for the selected vectors.
    QString why;
    if (in.stopping)
        why = stoppingWhy;
    else if (!readOnly.isEmpty())
        why = readOnly;
    else if (!open)
        why = QStringLiteral("Open a device first (Ctrl+O)");
    else if (!running)
        why = QStringLiteral("The engine is stopped: press Start (F5)");
    else if (!anySelected(in))
        why = QStringLiteral("Select vectors in the table first");
    ActionStates s;
    s.arm = s.disarm = s.triggerOnce = s.triggerStart = s.triggerStop = enabledIf(why.isEmpty(), why);
    const QString maskWhy = why.isEmpty() ? unmaskableReason(in) : why;
    s.mask = s.unmask = enabledIf(maskWhy.isEmpty(), maskWhy);

    // The engine.
    const QString engineWhy = in.stopping           ? stoppingWhy
                              : !readOnly.isEmpty() ? readOnly
                              : open                ? QString()
                                                    : QStringLiteral("Open a device first");
    s.start = enabledIf(engineWhy.isEmpty() && !running,
                        engineWhy.isEmpty() ? QStringLiteral("The engine is running") : engineWhy);
    s.stop = enabledIf(running && !in.stopping, in.stopping          ? stoppingWhy
                                                : readOnly.isEmpty() ? QStringLiteral("The engine is not running")
                                                                     : readOnly);
    s.reset = enabledIf(running && !in.stopping,
                        engineWhy.isEmpty() ? QStringLiteral("The engine is not running") : engineWhy);
    const bool replay = in.mode == SessionMode::Replay;
    s.replayFullSpeed = enabledIf(replay && in.running && in.replayPaced,
                                  replay ? QStringLiteral("The recording is replayed to its end")
                                         : QStringLiteral("Only a recording is replayed"));
    // CPU and scheduling apply at the next start, mode and rate at once: only a live session has them.
    s.engineSettings = enabledIf(engineWhy.isEmpty() && live, engineWhy);

    // Files and view.
    s.exportReport = enabledIf(in.hasSnapshot && !in.exporting && !in.stopping,
                               in.exporting  ? QStringLiteral("A report is being written")
                               : in.stopping ? stoppingWhy
                                             : QStringLiteral("Nothing measured yet"));
    s.open = s.openRecording = enabledIf(!in.stopping, stoppingWhy);
    s.activeOnly = s.quit = ActionState{true, {}};
    return s;
}

} // namespace irqscope::ui

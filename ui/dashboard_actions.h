// DashboardActions: every command of the dashboard as a QAction with its shortcut, icon and status tip, shared
// by the menus, the toolbar and the tests (each has an objectName: "armAction", ...). Whether each is enabled
// comes from actionStates() (actions/action_states.h).
#pragma once

class QAction;
class QObject;

namespace irqscope::ui {

struct ActionStates;

struct DashboardActions
{
    QAction* open = nullptr;
    QAction* start = nullptr;
    QAction* stop = nullptr;
    QAction* arm = nullptr;
    QAction* disarm = nullptr;
    QAction* triggerOnce = nullptr;
    QAction* triggerStart = nullptr;
    QAction* triggerStop = nullptr;
    QAction* mask = nullptr;
    QAction* unmask = nullptr;
    QAction* reset = nullptr;
    QAction* exportReport = nullptr;
    QAction* openRecording = nullptr;
    QAction* replayFullSpeed = nullptr;
    QAction* activeOnly = nullptr;
    QAction* quit = nullptr;
};

DashboardActions createDashboardActions(QObject* parent);
// Enables each action as `states` says; a disabled action's tool tip says why, an enabled one's is its own.
void applyActionStates(const DashboardActions& actions, const ActionStates& states);

} // namespace irqscope::ui

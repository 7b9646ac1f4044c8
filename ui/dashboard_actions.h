// DashboardActions: every command of the dashboard as a QAction with its shortcut, icon and status tip, shared
// by the menus, the toolbar and the tests (each has an objectName: "armAction", ...).
#pragma once

class QAction;
class QObject;

namespace irqscope::ui {

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

} // namespace irqscope::ui

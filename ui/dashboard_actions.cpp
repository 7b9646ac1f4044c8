// The dashboard's actions, shortcuts and icons (theme icons where the platform has them).
#include "dashboard_actions.h"

#include "actions/action_states.h"

#include <QAction>
#include <QApplication>
#include <QIcon>
#include <QKeySequence>
#include <QStyle>

namespace irqscope::ui {

namespace {

QAction* make(QObject* parent, const char* objectName, const QString& text, const QKeySequence& shortcut,
              const QString& tip, const QString& themeIcon, QStyle::StandardPixmap fallback)
{
    auto* action = new QAction(text, parent);
    action->setObjectName(QString::fromLatin1(objectName));
    action->setShortcut(shortcut);
    action->setStatusTip(tip);
    action->setIcon(QIcon::fromTheme(themeIcon, QApplication::style()->standardIcon(fallback)));
    action->setToolTip(text.simplified().remove(QLatin1Char('&')) + QStringLiteral(" (") +
                       shortcut.toString(QKeySequence::NativeText) + QStringLiteral(")"));
    action->setProperty("baseToolTip", action->toolTip());
    return action;
}

void apply(QAction* action, const ActionState& state)
{
    action->setEnabled(state.enabled);
    action->setToolTip(state.whyNot.isEmpty() ? action->property("baseToolTip").toString() : state.whyNot);
}

} // namespace

DashboardActions createDashboardActions(QObject* parent)
{
    using S = QStyle;
    DashboardActions a;
    a.open = make(parent, "openAction", QStringLiteral("&Open device…"), QKeySequence::Open,
                  QStringLiteral("Pick a device bound to vfio-pci, or the simulated device"),
                  QStringLiteral("document-open"), S::SP_DialogOpenButton);
    a.start = make(parent, "startAction", QStringLiteral("&Start"), QKeySequence(Qt::Key_F5),
                   QStringLiteral("Start the core thread with the engine settings (re-arms the vectors armed before)"),
                   QStringLiteral("media-playback-start"), S::SP_MediaPlay);
    a.stop = make(parent, "stopAction", QStringLiteral("S&top"), QKeySequence(Qt::SHIFT | Qt::Key_F5),
                  QStringLiteral("Stop triggering, wait for in-flight completions and disarm every vector"),
                  QStringLiteral("media-playback-stop"), S::SP_MediaStop);
    a.arm = make(parent, "armAction", QStringLiteral("&Arm"), QKeySequence(Qt::CTRL | Qt::Key_E),
                 QStringLiteral("Set trigger eventfds on the selected vectors"), QStringLiteral("list-add"),
                 S::SP_DialogYesButton);
    a.disarm = make(parent, "disarmAction", QStringLiteral("&Disarm"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E),
                    QStringLiteral("Remove the trigger eventfds of the selected vectors"),
                    QStringLiteral("list-remove"), S::SP_DialogNoButton);
    a.triggerOnce =
        make(parent, "triggerOnceAction", QStringLiteral("Trigger &once"), QKeySequence(Qt::CTRL | Qt::Key_T),
             QStringLiteral("Fire each selected vector once"), QStringLiteral("go-next"), S::SP_ArrowRight);
    a.triggerStart = make(parent, "triggerStartAction", QStringLiteral("Trigger &continuously"),
                          QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T),
                          QStringLiteral("Fire the selected vectors at the rate set in the engine panel"),
                          QStringLiteral("media-seek-forward"), S::SP_MediaSeekForward);
    a.triggerStop = make(parent, "triggerStopAction", QStringLiteral("Stop tri&ggering"),
                         QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_T),
                         QStringLiteral("Stop firing the selected vectors (they stay armed)"),
                         QStringLiteral("media-playback-pause"), S::SP_MediaPause);
    a.mask = make(parent, "maskAction", QStringLiteral("&Mask"), QKeySequence(Qt::CTRL | Qt::Key_M),
                  QStringLiteral("Mask the selected INTx vector (interrupts are held until unmask)"),
                  QStringLiteral("object-locked"), S::SP_BrowserStop);
    a.unmask = make(parent, "unmaskAction", QStringLiteral("&Unmask"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M),
                    QStringLiteral("Unmask the selected INTx vector (a held interrupt is delivered)"),
                    QStringLiteral("object-unlocked"), S::SP_BrowserReload);
    a.reset =
        make(parent, "resetAction", QStringLiteral("&Reset statistics"), QKeySequence(Qt::CTRL | Qt::Key_R),
             QStringLiteral("Zero every counter and histogram"), QStringLiteral("edit-clear"), S::SP_DialogResetButton);
    a.exportReport = make(parent, "exportAction", QStringLiteral("&Export report…"), QKeySequence::Save,
                          QStringLiteral("Write a report of what is on show: JSON, CSV, HTML, PDF or cyclictest "
                                         "formats (written in the background)"),
                          QStringLiteral("document-save"), S::SP_DialogSaveButton);
    a.openRecording = make(parent, "openRecordingAction", QStringLiteral("Open &recording…"),
                           QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O),
                           QStringLiteral("Replay a recording (irqscope run --record) into the table and charts"),
                           QStringLiteral("document-open-recent"), S::SP_DirOpenIcon);
    a.replayFullSpeed =
        make(parent, "replayFullSpeedAction", QStringLiteral("Replay at &full speed"),
             QKeySequence(Qt::CTRL | Qt::Key_J), QStringLiteral("Play the rest of the recording as fast as possible"),
             QStringLiteral("media-seek-forward"), S::SP_MediaSeekForward);
    a.activeOnly = make(parent, "activeOnlyAction", QStringLiteral("&Active vectors only"),
                        QKeySequence(Qt::CTRL | Qt::Key_H), QStringLiteral("Hide vectors that were never armed"),
                        QStringLiteral("view-filter"), S::SP_FileDialogDetailedView);
    a.activeOnly->setCheckable(true);
    a.quit =
        make(parent, "quitAction", QStringLiteral("&Quit"), QKeySequence::Quit,
             QStringLiteral("Disarm everything and quit"), QStringLiteral("application-exit"), S::SP_DialogCloseButton);
    return a;
}

void applyActionStates(const DashboardActions& actions, const ActionStates& states)
{
    apply(actions.open, states.open);
    apply(actions.start, states.start);
    apply(actions.stop, states.stop);
    apply(actions.arm, states.arm);
    apply(actions.disarm, states.disarm);
    apply(actions.triggerOnce, states.triggerOnce);
    apply(actions.triggerStart, states.triggerStart);
    apply(actions.triggerStop, states.triggerStop);
    apply(actions.mask, states.mask);
    apply(actions.unmask, states.unmask);
    apply(actions.reset, states.reset);
    apply(actions.exportReport, states.exportReport);
    apply(actions.openRecording, states.openRecording);
    apply(actions.replayFullSpeed, states.replayFullSpeed);
    apply(actions.activeOnly, states.activeOnly);
    apply(actions.quit, states.quit);
}

} // namespace irqscope::ui

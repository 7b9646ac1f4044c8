// Action state tests: actionStates() is walked over every combination of session mode, running, stopping,
// selection (none, MSI-X, INTx, both), INTx maskability, replay pace, snapshot and export, checking that each
// control is enabled exactly when it can work and says why when it cannot; then the reasons one by one.
#include "ui_test_suites.h"

#include "actions/action_states.h"
#include "session/measurement_session.h"

#include <QTest>

#include <utility>
#include <vector>

namespace irqscope::ui::test {

namespace {

constexpr uint32_t kIntx = static_cast<uint32_t>(core::IrqIndex::Intx);
constexpr uint32_t kMsix = static_cast<uint32_t>(core::IrqIndex::Msix);

// A device like the simulated one: INTx maskable (as GET_IRQ_INFO says), MSI and MSI-X not.
ActionInputs live(bool running)
{
    ActionInputs in;
    in.mode = SessionMode::Live;
    in.running = running;
    in.maskable[kIntx] = true;
    in.hasSnapshot = running;
    return in;
}

std::vector<std::pair<const char*, ActionState>> all(const ActionStates& s)
{
    return {{"open", s.open},
            {"openRecording", s.openRecording},
            {"start", s.start},
            {"stop", s.stop},
            {"arm", s.arm},
            {"disarm", s.disarm},
            {"triggerOnce", s.triggerOnce},
            {"triggerStart", s.triggerStart},
            {"triggerStop", s.triggerStop},
            {"mask", s.mask},
            {"unmask", s.unmask},
            {"reset", s.reset},
            {"exportReport", s.exportReport},
            {"replayFullSpeed", s.replayFullSpeed},
            {"activeOnly", s.activeOnly},
            {"quit", s.quit},
            {"engineSettings", s.engineSettings}};
}

// Every combination of the inputs that decide something.
std::vector<ActionInputs> everyInput()
{
    std::vector<ActionInputs> out;
    for (SessionMode mode : {SessionMode::Closed, SessionMode::Live, SessionMode::Replay, SessionMode::Observe}) {
        for (int bits = 0; bits < (1 << 9); ++bits) {
            ActionInputs in;
            in.mode = mode;
            in.ownerName = QStringLiteral("qemu-system-x86");
            in.ownerPid = 4242;
            in.running = bits & 1;
            in.stopping = bits & 2;
            in.selected[kIntx] = (bits & 4) ? 1 : 0;
            in.selected[kMsix] = (bits & 8) ? 8 : 0;
            in.maskable[kIntx] = bits & 16;
            in.replayPaced = bits & 32;
            in.hasSnapshot = bits & 64;
            in.exporting = bits & 128;
            in.maskable[kMsix] = bits & 256; // never on a real kernel, but the rule is "as GET_IRQ_INFO says"
            out.push_back(in);
        }
    }
    return out;
}

QString describe(const ActionInputs& in)
{
    return QStringLiteral("mode %1 running %2 stopping %3 intx %4 msix %5 intx maskable %6 paced %7 snapshot %8 "
                          "exporting %9")
        .arg(static_cast<int>(in.mode))
        .arg(in.running)
        .arg(in.stopping)
        .arg(in.selected[kIntx])
        .arg(in.selected[kMsix])
        .arg(in.maskable[kIntx])
        .arg(in.replayPaced)
        .arg(in.hasSnapshot)
        .arg(in.exporting);
}

} // namespace

class ActionStateTests final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void eachControlIsEnabledExactlyWhereItCanWork()
    {
        for (const ActionInputs& in : everyInput()) {
            const ActionStates s = actionStates(in);
            const QString where = describe(in);
            const bool engineRuns = in.mode == SessionMode::Live && in.running && !in.stopping;
            const bool selection = in.selected[kIntx] || in.selected[kMsix];
            const bool maskable =
                (!in.selected[kIntx] || in.maskable[kIntx]) && (!in.selected[kMsix] || in.maskable[kMsix]);
            for (const ActionState& command : {s.arm, s.disarm, s.triggerOnce, s.triggerStart, s.triggerStop})
                QVERIFY2(command.enabled == (engineRuns && selection), qPrintable(where));
            QVERIFY2(s.mask.enabled == (engineRuns && selection && maskable), qPrintable(where));
            QCOMPARE(s.unmask, s.mask);
            QVERIFY2(s.start.enabled == (in.mode == SessionMode::Live && !in.running && !in.stopping),
                     qPrintable(where));
            QVERIFY2(s.stop.enabled == engineRuns, qPrintable(where));
            QVERIFY2(s.reset.enabled == engineRuns, qPrintable(where));
            QVERIFY2(s.engineSettings.enabled == (in.mode == SessionMode::Live && !in.stopping), qPrintable(where));
            QVERIFY2(s.replayFullSpeed.enabled == (in.mode == SessionMode::Replay && in.running && in.replayPaced),
                     qPrintable(where));
            QVERIFY2(s.exportReport.enabled == (in.hasSnapshot && !in.exporting && !in.stopping), qPrintable(where));
            QVERIFY2(s.open.enabled == !in.stopping, qPrintable(where));
            QCOMPARE(s.openRecording, s.open);
            QVERIFY(s.activeOnly.enabled);
            QVERIFY(s.quit.enabled);
            // A disabled control always says why; an enabled one keeps its own tool tip.
            for (const auto& [name, state] : all(s))
                QVERIFY2(state.enabled == state.whyNot.isEmpty(),
                         qPrintable(where + QStringLiteral(": ") + QString::fromLatin1(name)));
        }
    }

    void aStopInProgressIsTheReasonForEveryControlItBlocks()
    {
        for (ActionInputs in : everyInput()) {
            if (!in.stopping || in.exporting)
                continue;
            const ActionStates s = actionStates(in);
            for (const auto& [name, state] : all(s)) {
                const QString what = QString::fromLatin1(name);
                if (what == QStringLiteral("activeOnly") || what == QStringLiteral("quit") ||
                    what == QStringLiteral("replayFullSpeed"))
                    continue;
                QVERIFY2(state.whyNot.startsWith(QStringLiteral("Stopping: ")), qPrintable(describe(in) + what));
            }
        }
    }

    void readOnlySessionsSayWhy()
    {
        ActionInputs replay;
        replay.mode = SessionMode::Replay;
        replay.running = true;
        replay.selected[kMsix] = 8;
        replay.hasSnapshot = true;
        ActionStates s = actionStates(replay);
        for (const ActionState& state : {s.arm, s.triggerOnce, s.mask, s.start, s.stop, s.reset, s.engineSettings})
            QCOMPARE(state.whyNot, QStringLiteral("A recording is read-only: open a device (Ctrl+O) to arm, trigger "
                                                  "or mask vectors"));
        QVERIFY(s.exportReport.enabled); // the recording's report

        ActionInputs observe = replay;
        observe.mode = SessionMode::Observe;
        observe.ownerName = QStringLiteral("qemu-system-x86");
        observe.ownerPid = 4242;
        s = actionStates(observe);
        for (const ActionState& state : {s.arm, s.mask, s.start, s.stop, s.reset, s.engineSettings})
            QCOMPARE(state.whyNot, QStringLiteral("Observing: qemu-system-x86 (pid 4242) owns this device, so "
                                                  "irqscope cannot arm, trigger or mask its vectors"));
        QCOMPARE(s.replayFullSpeed.whyNot, QStringLiteral("Only a recording is replayed"));
    }

    void theEngineAndTheSelectionSayWhatIsMissing()
    {
        ActionStates s = actionStates(ActionInputs{});
        QCOMPARE(s.arm.whyNot, QStringLiteral("Open a device first (Ctrl+O)"));
        QCOMPARE(s.start.whyNot, QStringLiteral("Open a device first"));
        QCOMPARE(s.stop.whyNot, QStringLiteral("The engine is not running"));
        QCOMPARE(s.reset.whyNot, QStringLiteral("Open a device first"));
        QCOMPARE(s.engineSettings.whyNot, QStringLiteral("Open a device first"));
        QCOMPARE(s.exportReport.whyNot, QStringLiteral("Nothing measured yet"));
        QVERIFY(s.open.enabled);

        s = actionStates(live(false));
        QCOMPARE(s.arm.whyNot, QStringLiteral("The engine is stopped: press Start (F5)"));
        QVERIFY(s.start.enabled);
        QCOMPARE(s.reset.whyNot, QStringLiteral("The engine is not running"));
        QVERIFY(s.engineSettings.enabled);

        s = actionStates(live(true));
        QCOMPARE(s.arm.whyNot, QStringLiteral("Select vectors in the table first"));
        QCOMPARE(s.start.whyNot, QStringLiteral("The engine is running"));
        QVERIFY(s.stop.enabled);
        QVERIFY(s.reset.enabled);
        QVERIFY(s.exportReport.enabled);

        ActionInputs exporting = live(true);
        exporting.exporting = true;
        exporting.stopping = true;
        QCOMPARE(actionStates(exporting).exportReport.whyNot, QStringLiteral("A report is being written"));
    }

    void onlyMaskableIndexesCanBeMasked()
    {
        ActionInputs in = live(true);
        in.selected[kIntx] = 1;
        ActionStates s = actionStates(in);
        QVERIFY(s.mask.enabled);
        QVERIFY(s.unmask.enabled);

        // MSI-X: the kernel answers ENOTTY (docs/kernel-vfio-irq.md §2.2); the other commands still work.
        in.selected[kMsix] = 8;
        s = actionStates(in);
        QVERIFY(!s.mask.enabled);
        QVERIFY(s.arm.enabled);
        QVERIFY2(s.mask.whyNot.startsWith(QStringLiteral("MSI-X vectors cannot be masked")), qPrintable(s.mask.whyNot));
        QVERIFY(s.mask.whyNot.contains(QStringLiteral("ENOTTY")));
        QCOMPARE(s.unmask, s.mask);

        // An INTx whose GET_IRQ_INFO does not say MASKABLE is named first (slot order is index order).
        in.maskable[kIntx] = false;
        QVERIFY(actionStates(in).mask.whyNot.startsWith(QStringLiteral("INTx vectors cannot be masked")));

        // Without a running engine, the engine is the reason, not the index.
        in = live(false);
        in.selected[kMsix] = 1;
        QCOMPARE(actionStates(in).mask.whyNot, QStringLiteral("The engine is stopped: press Start (F5)"));
    }

    void aPacedReplayCanBeSpedUpUntilItEnds()
    {
        ActionInputs in;
        in.mode = SessionMode::Replay;
        in.running = true;
        in.replayPaced = true;
        QVERIFY(actionStates(in).replayFullSpeed.enabled);
        in.replayPaced = false; // already at full speed
        QCOMPARE(actionStates(in).replayFullSpeed.whyNot, QStringLiteral("The recording is replayed to its end"));
        in.replayPaced = true;
        in.running = false; // played to its end
        QVERIFY(!actionStates(in).replayFullSpeed.enabled);
        QCOMPARE(actionStates(live(true)).replayFullSpeed.whyNot, QStringLiteral("Only a recording is replayed"));
    }
};

std::unique_ptr<QObject> makeActionStateTests()
{
    return std::make_unique<ActionStateTests>();
}

} // namespace irqscope::ui::test

#include "action_states_test.moc"

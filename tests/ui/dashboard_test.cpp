// Dashboard tests, driven through the window's own actions on the simulated device: MSI-X vectors are armed and
// triggered and their counts rise and add up in the table; a masked INTx shows "masked", completes nothing until
// unmasked, and then delivers the held interrupt; MSI-X masking is disabled with the kernel's reason.
#include "ui_test_suites.h"

#include "engine/vector_counters.h"
#include "fixtures.h"
#include "format/display_text.h"
#include "main_window.h"
#include "models/vector_table_model.h"
#include "widgets/command_log.h"
#include "widgets/status_panel.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QComboBox>
#include <QMainWindow>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableView>
#include <QTest>

#include <algorithm>

namespace irqscope::ui::test {

namespace {

uint64_t cell(MainWindow& w, uint32_t slot, int column)
{
    return w.vectorModel().index(static_cast<int>(slot), column).data().toString().toULongLong();
}

QString stateOf(MainWindow& w, uint32_t slot)
{
    return w.vectorModel().index(static_cast<int>(slot), VectorTableModel::StateColumn).data().toString();
}

// The books as the table shows them: triggered == completed + coalesced + missed + in flight.
bool balanced(MainWindow& w, uint32_t slot)
{
    const uint64_t triggered = cell(w, slot, VectorTableModel::TriggeredColumn);
    const uint64_t ended =
        cell(w, slot, VectorTableModel::CompletedColumn) + cell(w, slot, VectorTableModel::CoalescedColumn) +
        cell(w, slot, VectorTableModel::MissedColumn) + cell(w, slot, VectorTableModel::InFlightColumn);
    return triggered == ended;
}

std::vector<uint32_t> range(uint32_t first, uint32_t count)
{
    std::vector<uint32_t> out;
    for (uint32_t i = 0; i < count; ++i)
        out.push_back(first + i);
    return out;
}

void waitForPendingCommands(MainWindow& w)
{
    QTRY_VERIFY_WITH_TIMEOUT(w.session().pendingCommands() == 0, kGenerousWaitMs);
}

// Counts the layout requests a widget receives (a child's geometry change invalidates its parent's layout, which
// posts QEvent::LayoutRequest to the parent).
class LayoutRequestCounter final : public QObject
{
public:
    int count = 0;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::LayoutRequest)
            ++count;
        return QObject::eventFilter(watched, event);
    }
};

} // namespace

class DashboardTests final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void msixVectorsCountAndBalance()
    {
        MainWindow w;
        QAbstractItemModelTester tester(w.vectorView()->model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        w.show();
        QVERIFY(w.openDevice(QStringLiteral("sim")));
        const uint32_t msix0 = w.session().slots().slot({core::IrqIndex::Msix, 0});
        // Start from disarmed vectors, then arm and trigger them through the toolbar actions.
        w.selectSlots(range(msix0, 8));
        const auto& a = w.dashboardActions();
        QVERIFY(a.disarm->isEnabled());
        a.disarm->trigger();
        waitForPendingCommands(w);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(w, msix0 + 7), QStringLiteral("disarmed"), kGenerousWaitMs);
        a.reset->trigger(); // statistics from zero
        waitForPendingCommands(w);
        QTRY_COMPARE_WITH_TIMEOUT(cell(w, msix0, VectorTableModel::TriggeredColumn), uint64_t{0}, kGenerousWaitMs);

        a.arm->trigger();
        waitForPendingCommands(w);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(w, msix0 + 7), QStringLiteral("armed"), kGenerousWaitMs);
        a.triggerOnce->trigger();
        waitForPendingCommands(w);
        for (uint32_t s = msix0; s < msix0 + 8; ++s)
            QTRY_COMPARE_WITH_TIMEOUT(cell(w, s, VectorTableModel::CompletedColumn), uint64_t{1}, kGenerousWaitMs);

        a.triggerStart->trigger();
        waitForPendingCommands(w);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(w, msix0), QStringLiteral("triggering"), kGenerousWaitMs);
        // Counts rising: waited for, however many a second this machine manages.
        QTRY_VERIFY_WITH_TIMEOUT(cell(w, msix0 + 7, VectorTableModel::CompletedColumn) > 100, kGenerousWaitMs);
        const uint64_t before = cell(w, msix0, VectorTableModel::CompletedColumn);
        QTRY_VERIFY_WITH_TIMEOUT(cell(w, msix0, VectorTableModel::CompletedColumn) > before + 50, kGenerousWaitMs);
        for (uint32_t s = msix0; s < msix0 + 8; ++s)
            QTRY_VERIFY_WITH_TIMEOUT(cell(w, s, VectorTableModel::TriggeredColumn) > 100, kGenerousWaitMs);
        for (uint32_t s = msix0; s < msix0 + 8; ++s) {
            QVERIFY2(balanced(w, s), qPrintable(QStringLiteral("msix:%1 books do not balance").arg(s - msix0)));
            QCOMPARE(cell(w, s, VectorTableModel::ErrorsColumn), uint64_t{0});
        }
        // Vectors not armed stayed untouched.
        QCOMPARE(stateOf(w, msix0 + 8), QStringLiteral("disarmed"));
        QCOMPARE(cell(w, msix0 + 8, VectorTableModel::TriggeredColumn), uint64_t{0});

        // Stopped: the books still balance in the final snapshot, with nothing left in flight after the drain.
        a.stop->trigger();
        QVERIFY(!w.session().running());
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(w, msix0), QStringLiteral("disarmed"), kGenerousWaitMs);
        for (uint32_t s = msix0; s < msix0 + 8; ++s)
            QVERIFY(balanced(w, s));
    }

    void maskedIntxHoldsItsInterruptUntilUnmask()
    {
        MainWindow w;
        w.show();
        QVERIFY(w.openDevice(QStringLiteral("sim")));
        const auto& a = w.dashboardActions();
        const uint32_t msix0 = w.session().slots().slot({core::IrqIndex::Msix, 0});
        const uint32_t intx = w.session().slots().slot({core::IrqIndex::Intx, 0});

        // MSI-X cannot be masked: the action says why.
        w.selectSlots({msix0});
        QVERIFY(!a.mask->isEnabled());
        QVERIFY2(a.mask->toolTip().contains(QStringLiteral("ENOTTY")), qPrintable(a.mask->toolTip()));

        // Device-raised triggers (the sim profile's register writes), INTx only.
        auto* mode = w.findChild<QComboBox*>(QStringLiteral("triggerMode"));
        QVERIFY(mode);
        mode->setCurrentIndex(mode->findData(static_cast<int>(core::TriggerMode::Device)));
        Q_EMIT mode->activated(mode->currentIndex());
        w.selectSlots(range(msix0, 8));
        a.disarm->trigger();
        waitForPendingCommands(w);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(w, msix0), QStringLiteral("disarmed"), kGenerousWaitMs);

        w.selectSlots({intx});
        QVERIFY(a.mask->isEnabled());
        a.arm->trigger();
        waitForPendingCommands(w);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(w, intx), QStringLiteral("armed"), kGenerousWaitMs);
        a.mask->trigger();
        waitForPendingCommands(w);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(w, intx), QStringLiteral("masked"), kGenerousWaitMs);

        a.triggerOnce->trigger();
        waitForPendingCommands(w);
        QTRY_COMPARE_WITH_TIMEOUT(cell(w, intx, VectorTableModel::TriggeredColumn), uint64_t{1}, kGenerousWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(w, intx), QStringLiteral("pending · masked"), kGenerousWaitMs);
        // Held by the mask well past the 100 ms deadline: neither completed nor missed. "Well past" on the
        // snapshots' clock: a snapshot built four deadlines after one that already counted the trigger, rather
        // than a 400 ms sleep the GUI may not have caught up with.
        const auto counted = w.session().latest();
        QVERIFY(counted);
        const int64_t heldSinceNs = counted->monotonicNs;
        QTRY_VERIFY_WITH_TIMEOUT(w.session().latest()->monotonicNs >= heldSinceNs + 400'000'000, kGenerousWaitMs);
        const auto held = w.session().latest();
        const auto it = std::find_if(held->vectors.begin(), held->vectors.end(),
                                     [&](const core::VectorSnapshot& v) { return v.slot == intx; });
        QVERIFY(it != held->vectors.end());
        QCOMPARE(it->counters.triggered, uint64_t{1});
        QCOMPARE(it->counters.completed, uint64_t{0});
        QCOMPARE(it->counters.missed, uint64_t{0});
        QCOMPARE(it->counters.inFlight, uint64_t{1});
        QCOMPARE(cell(w, intx, VectorTableModel::CompletedColumn), uint64_t{0});
        QCOMPARE(cell(w, intx, VectorTableModel::MissedColumn), uint64_t{0});
        QCOMPARE(cell(w, intx, VectorTableModel::InFlightColumn), uint64_t{1});
        QVERIFY(balanced(w, intx));

        a.unmask->trigger();
        waitForPendingCommands(w);
        QTRY_COMPARE_WITH_TIMEOUT(cell(w, intx, VectorTableModel::CompletedColumn), uint64_t{1}, kGenerousWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(w, intx), QStringLiteral("armed"), kGenerousWaitMs);
        QCOMPARE(cell(w, intx, VectorTableModel::MissedColumn), uint64_t{0});
        QCOMPARE(cell(w, intx, VectorTableModel::InFlightColumn), uint64_t{0});
        QVERIFY(balanced(w, intx));
        QVERIFY(w.commandLog()->toPlainText().contains(QStringLiteral("unmask intx:0: unmasked intx:0")));
    }

    void controlsSayWhyTheyAreDisabled()
    {
        MainWindow w;
        const auto& a = w.dashboardActions();
        QVERIFY(!a.arm->isEnabled());
        QVERIFY(a.arm->toolTip().contains(QStringLiteral("Open a device")));
        QVERIFY(!w.openDevice(QStringLiteral("0000:ff:1f.7")));
        QVERIFY(w.bannerText().contains(QStringLiteral("0000:ff:1f.7")));
        QVERIFY(!a.start->isEnabled());
        QVERIFY(w.openDevice(QStringLiteral("sim")));
        QVERIFY(w.bannerText().isEmpty());
        QVERIFY(!a.arm->isEnabled());
        QVERIFY(a.arm->toolTip().contains(QStringLiteral("Select vectors")));
        QVERIFY(!a.start->isEnabled());
        QVERIFY(a.stop->isEnabled());
    }

    void selectionIsOneRangeAndItsSlotsFollowSortAndFilter()
    {
        MainWindow w;
        w.show();
        QVERIFY(w.openDevice(QStringLiteral("sim"))); // msix:0-7 armed and triggered
        const uint32_t msix0 = w.session().slots().slot({core::IrqIndex::Msix, 0});
        QTRY_VERIFY_WITH_TIMEOUT(cell(w, msix0 + 7, VectorTableModel::TriggeredColumn) > 0, kGenerousWaitMs);
        // Adjacent rows become one selection range: Qt checks every painted cell against every range.
        w.selectSlots(range(msix0, 16));
        QCOMPARE(w.vectorView()->selectionModel()->selection().size(), 1);
        QCOMPARE(w.selectedSlots(), range(msix0, 16));
        QCOMPARE(w.chartedSlots(), range(msix0, 8)); // the charts take the first eight
        // Re-sorting moves the rows, not the selected vectors.
        w.vectorView()->sortByColumn(VectorTableModel::IndexColumn, Qt::DescendingOrder);
        QCOMPARE(w.selectedSlots(), range(msix0, 16));
        // Hiding idle vectors drops them from the selection.
        w.dashboardActions().activeOnly->setChecked(true);
        QCOMPARE(w.selectedSlots(), range(msix0, 8));
        w.dashboardActions().activeOnly->setChecked(false);
        // A new device resets the table: nothing is selected any more.
        QVERIFY(w.openDevice(QStringLiteral("sim")));
        QVERIFY(w.selectedSlots().empty());
        // The simulated device has no host IRQs: no host count or gap columns.
        QVERIFY(w.vectorView()->isColumnHidden(VectorTableModel::HostCountColumn));
        QVERIFY(w.vectorView()->isColumnHidden(VectorTableModel::HostGapColumn));
    }
    // The instrument floor beside the engine's figures: its p50 and p99 once measured, nothing (not a 0) before or
    // without it.
    void statusBarShowsTheInstrumentFloor()
    {
        QMainWindow window;
        auto* panel = new StatusPanel(window.statusBar());
        core::Snapshot snapshot;
        snapshot.engine.coreCpu = 1;
        snapshot.engine.policy = "SCHED_OTHER";
        panel->update(&snapshot, true, snapshot.monotonicNs);
        QCOMPARE(panel->floorText(), QString());
        snapshot.floor.count = 40;
        snapshot.floor.p50Ns = 1'200;
        snapshot.floor.p99Ns = 25'000;
        panel->update(&snapshot, true, snapshot.monotonicNs);
        QCOMPARE(panel->floorText(),
                 QStringLiteral("instrument floor: p50 %1, p99 %2").arg(formatLatency(1'200), formatLatency(25'000)));
        panel->update(nullptr, false, 0);
        QCOMPARE(panel->floorText(), QString());
    }
    // The refresh timer updates the status bar 30 times a second; the age and rate texts change on every tick but
    // must not re-lay out the status bar (and with it the window's bottom edge) each time.
    void statusBarDoesNotRelayoutOnEveryTick()
    {
        QMainWindow window;
        auto* panel = new StatusPanel(window.statusBar());
        panel->setDevice(QStringLiteral("sim"));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        core::Snapshot snapshot;
        snapshot.monotonicNs = 1'000'000'000;
        snapshot.samplesPerSec = 1000;
        snapshot.engine.coreCpu = 1;
        snapshot.engine.policy = "SCHED_FIFO 50";
        panel->update(&snapshot, true, snapshot.monotonicNs);
        QCoreApplication::processEvents();
        LayoutRequestCounter counter;
        window.statusBar()->installEventFilter(&counter);
        QString lastAge = panel->ageText();
        int ageChanges = 0;
        for (int tick = 1; tick <= 14; ++tick) { // younger than the stale alarm (0.5 s)
            // The same snapshot, aging by a tick each time, and a rate that wobbles the way a live one does.
            snapshot.samplesPerSec = 1000 + (tick % 3) * 7;
            panel->update(&snapshot, true, snapshot.monotonicNs + tick * 33'000'000LL);
            QCoreApplication::processEvents();
            if (panel->ageText() != lastAge)
                ++ageChanges;
            lastAge = panel->ageText();
        }
        QCOMPARE(ageChanges, 14); // the texts did change on every tick
        QCOMPARE(counter.count, 0);
    }
};

std::unique_ptr<QObject> makeDashboardTests()
{
    return std::make_unique<DashboardTests>();
}

} // namespace irqscope::ui::test

#include "dashboard_test.moc"

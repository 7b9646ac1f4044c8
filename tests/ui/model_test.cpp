// Model tests: every item model through QAbstractItemModelTester while it is reset and updated, plus the pure
// pieces behind the table and the charts (slot runs, per-pixel max decimation, histogram re-binning).
#include "ui_test_suites.h"

#include "../core/latency_plot_samples.h"
#include "charts/histogram_bins.h"
#include "charts/histogram_chart.h"
#include "charts/max_decimator.h"
#include "charts/percentile_chart.h"
#include "charts/time_series_chart.h"
#include "engine/vector_counters.h"
#include "format/display_text.h"
#include "models/device_list_model.h"
#include "models/vector_filter_proxy.h"
#include "models/vector_table_model.h"
#include "session/device_catalog.h"
#include "session/vector_runs.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QChart>
#include <QItemSelectionModel>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTest>

#include <tuple>

namespace irqscope::ui::test {

namespace {

core::VectorSlots simSlots()
{
    return core::VectorSlots({1, 8, 64, 1, 1}); // INTx, MSI, MSI-X, ERR, REQ
}

core::Snapshot snapshotWith(const core::VectorSlots& slots, std::initializer_list<uint32_t> active, uint64_t count)
{
    core::Snapshot s;
    s.generation = count;
    for (uint32_t slot : active) {
        core::VectorSnapshot v;
        v.slot = slot;
        v.id = slots.id(slot);
        v.counters.triggered = count;
        v.counters.completed = count;
        v.counters.state = core::vstate::kArmed | core::vstate::kTriggering;
        v.latency.count = count;
        v.latency.minNs = 1000;
        v.latency.p50Ns = static_cast<int64_t>(2000 + slot);
        v.latency.maxNs = 9000;
        v.histogram = {{1000, count}};
        s.vectors.push_back(v);
    }
    return s;
}

} // namespace

class ModelTests final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void vectorTableModelPassesTheTester()
    {
        VectorTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto slots = simSlots();
        model.setVectors(slots);
        QCOMPARE(model.rowCount(), 75);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        const uint32_t msix0 = slots.slot({core::IrqIndex::Msix, 0});
        const auto span = [&](int i) {
            const auto topLeft = changed.at(i).at(0).value<QModelIndex>();
            const auto bottomRight = changed.at(i).at(1).value<QModelIndex>();
            return std::tuple(topLeft.row(), bottomRight.row(), topLeft.column(), bottomRight.column());
        };
        QCOMPARE(model.applySnapshot(snapshotWith(slots, {msix0, msix0 + 1, msix0 + 5}, 10)), 3);
        // One signal over the changed rows; newly active rows change colour in every column.
        QCOMPARE(changed.count(), 1);
        QCOMPARE(span(0), std::tuple(int(msix0), int(msix0 + 5), 0, VectorTableModel::ColumnCount - 1));
        QCOMPARE(model.applySnapshot(snapshotWith(slots, {msix0, msix0 + 1, msix0 + 5}, 10)), 0);
        QCOMPARE(changed.count(), 1); // nothing changed: no signal
        QCOMPARE(model.applySnapshot(snapshotWith(slots, {msix0, msix0 + 1, msix0 + 5}, 11)), 3);
        // Only the counts moved: the index columns (the default sort) are left out, so a proxy has nothing to
        // re-sort.
        QCOMPARE(changed.count(), 2);
        QCOMPARE(span(1), std::tuple(int(msix0), int(msix0 + 5), int(VectorTableModel::TriggeredColumn),
                                     int(VectorTableModel::CompletedColumn)));
        QCOMPARE(reset.count(), 0); // updates never reset
        const QModelIndex state = model.index(static_cast<int>(msix0), VectorTableModel::StateColumn);
        QCOMPARE(state.data().toString(), QStringLiteral("triggering"));
        QCOMPARE(model.index(static_cast<int>(msix0), VectorTableModel::CompletedColumn).data().toString(),
                 QStringLiteral("11"));
        QCOMPARE(model.index(static_cast<int>(msix0), VectorTableModel::P50Column).data().toString(),
                 QStringLiteral("2.01 µs")); // 2000 + slot 9 ns
        // A vector no longer listed (a new engine) is shown disarmed.
        model.applySnapshot(snapshotWith(slots, {msix0}, 12));
        QCOMPARE(model.index(static_cast<int>(msix0 + 1), VectorTableModel::StateColumn).data().toString(),
                 QStringLiteral("disarmed"));
        model.setVectors(core::VectorSlots{});
        QCOMPARE(model.rowCount(), 0);
    }

    void stateLabelsNameMaskAndPending()
    {
        VectorTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto slots = simSlots();
        model.setVectors(slots);
        auto s = snapshotWith(slots, {0}, 1);
        s.vectors[0].counters.state = core::vstate::kArmed | core::vstate::kUserMasked | core::vstate::kPending;
        s.vectors[0].counters.errors = 2;
        s.vectors[0].lastError = "UNMASK failed";
        model.applySnapshot(s);
        QCOMPARE(model.index(0, VectorTableModel::StateColumn).data().toString(), QStringLiteral("pending · masked"));
        QVERIFY(model.index(0, VectorTableModel::StateColumn).data(Qt::DecorationRole).isValid());
        QVERIFY(model.index(0, VectorTableModel::ErrorsColumn).data(Qt::ForegroundRole).isValid());
        QVERIFY(model.index(0, VectorTableModel::ErrorsColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("UNMASK failed")));
    }

    void hostIrqAndCpuShowRealValuesOrSayWhyNot()
    {
        VectorTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto slots = simSlots();
        model.setVectors(slots);
        model.setHostNote(QStringLiteral("not a host interrupt: simulated device"));
        auto s = snapshotWith(slots, {0, 1}, 1);
        s.vectors[1].hostIrq = 33; // a real device's vfio vector, as the snapshot carries it
        s.vectors[1].hostCpu = 2;
        model.applySnapshot(s);
        QCOMPARE(model.index(0, VectorTableModel::HostIrqColumn).data().toString(), QStringLiteral("—"));
        QCOMPARE(model.index(0, VectorTableModel::HostCpuColumn).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("not a host interrupt: simulated device"));
        QCOMPARE(model.index(1, VectorTableModel::HostIrqColumn).data().toString(), QStringLiteral("33"));
        QCOMPARE(model.index(1, VectorTableModel::HostCpuColumn).data().toString(), QStringLiteral("2"));
        QVERIFY(model.index(1, VectorTableModel::HostCpuColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("CPU 2")));
    }

    void hostCountAndGapShowWhatTheHostIrqTook()
    {
        VectorTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto slots = simSlots();
        model.setVectors(slots);
        model.setHostNote(QStringLiteral("not a host interrupt: simulated device"));
        auto s = snapshotWith(slots, {0, 1, 2}, 40);
        model.applySnapshot(s);
        QVERIFY(!model.hasHostData()); // the simulated device: the window hides the columns
        QCOMPARE(model.index(0, VectorTableModel::HostCountColumn).data().toString(), QStringLiteral("—"));
        QCOMPARE(model.index(0, VectorTableModel::HostGapColumn).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("not a host interrupt: simulated device"));

        // A real device: vector 1 looped back (the host IRQ took none of its 40 completions), vector 2 raised by
        // the device (every completion came through IRQ 35).
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        s.vectors[1].hostIrq = 34;
        s.vectors[1].hostCount = 0;
        s.vectors[2].hostIrq = 35;
        s.vectors[2].hostCount = 40;
        model.applySnapshot(s);
        QVERIFY(model.hasHostData());
        QCOMPARE(changed.count(), 1);
        // Up to the IRQ thread column, whose tooltip now says the known host IRQ runs in hard interrupt context;
        // nothing after it.
        QCOMPARE(changed.at(0).at(1).value<QModelIndex>().column(), int(VectorTableModel::IrqThreadColumn));
        QVERIFY(model.index(1, VectorTableModel::IrqThreadColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("IRQ 34's handler runs in hard interrupt context")));
        QCOMPARE(model.index(1, VectorTableModel::HostCountColumn).data().toString(), QStringLiteral("0"));
        QCOMPARE(model.index(1, VectorTableModel::HostGapColumn).data().toString(), QStringLiteral("40"));
        QCOMPARE(model.index(2, VectorTableModel::HostCountColumn).data().toString(), QStringLiteral("40"));
        QCOMPARE(model.index(2, VectorTableModel::HostGapColumn).data().toString(), QStringLiteral("0"));
        QCOMPARE(model.index(2, VectorTableModel::HostCountColumn).data(VectorTableModel::SortRole).toLongLong(), 40);
        QVERIFY(model.index(0, VectorTableModel::HostCountColumn).data(VectorTableModel::SortRole).toLongLong() < 0);
        QVERIFY(model.index(1, VectorTableModel::HostGapColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("did not come through IRQ 34")));
        QVERIFY(model.index(2, VectorTableModel::HostCountColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("since the vector was armed")));
        QVERIFY(!model.headerData(VectorTableModel::HostGapColumn, Qt::Horizontal).toString().isEmpty());
    }

    void irqThreadColumnShowsTheHandlerThread()
    {
        VectorTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto slots = simSlots();
        model.setVectors(slots);
        auto s = snapshotWith(slots, {0, 1}, 1);
        s.vectors[0].hostIrq = 26;
        s.vectors[0].hostCpu = 0;
        model.applySnapshot(s);
        QVERIFY(!model.hasIrqThreads());
        QCOMPARE(model.index(0, VectorTableModel::IrqThreadColumn).data().toString(), QStringLiteral("—"));
        core::IrqThreadInfo t;
        t.pid = 211;
        t.comm = "irq/26-vfio-msi[0](0000:00:01.0)";
        t.policy = "SCHED_FIFO";
        t.priority = 50;
        t.affinity = "0";
        t.lastCpu = 0;
        t.irqAffinity = "0";
        s.vectors[0].irqThread = t;
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.applySnapshot(s);
        QVERIFY(model.hasIrqThreads());
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.at(0).at(0).value<QModelIndex>().column(), int(VectorTableModel::IrqThreadColumn));
        QCOMPARE(model.index(0, VectorTableModel::IrqThreadColumn).data().toString(), QStringLiteral("FIFO 50, CPU 0"));
        QCOMPARE(model.index(0, VectorTableModel::IrqThreadColumn).data(VectorTableModel::SortRole).toInt(), 50);
        QVERIFY(model.index(0, VectorTableModel::IrqThreadColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .startsWith(QStringLiteral("irq/26-vfio-msi[0](0000:00:01.0) (pid 211): SCHED_FIFO 50, may run on "
                                               "CPUs 0, last ran on CPU 0")));
    }

    void deliveryColumnsShowInterruptDeliveryOfWatchedVectors()
    {
        VectorTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto slots = simSlots();
        model.setVectors(slots);
        auto s = snapshotWith(slots, {0, 1}, 1);
        model.applySnapshot(s);
        QVERIFY(!model.hasDeliveryData());
        QCOMPARE(model.index(0, VectorTableModel::DeliveryP50Column).data().toString(), QStringLiteral("—"));
        s.vectors[0].deliveryTracked = true;
        s.vectors[0].delivery.count = 9;
        s.vectors[0].delivery.p50Ns = 3'000'000;
        s.vectors[0].delivery.p99Ns = 4'000'000;
        s.vectors[0].deliveryUnstamped = 2;
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.applySnapshot(s);
        QVERIFY(model.hasDeliveryData());
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.at(0).at(0).value<QModelIndex>().column(), int(VectorTableModel::DeliveryP50Column));
        QCOMPARE(changed.at(0).at(1).value<QModelIndex>().column(), int(VectorTableModel::DeliveryP99Column));
        QCOMPARE(model.index(0, VectorTableModel::DeliveryP50Column).data().toString(), formatLatency(3'000'000, true));
        QCOMPARE(model.index(0, VectorTableModel::DeliveryP99Column).data().toString(), formatLatency(4'000'000, true));
        QCOMPARE(model.index(0, VectorTableModel::DeliveryP50Column).data(VectorTableModel::SortRole).toLongLong(),
                 3'000'000);
        QVERIFY(model.index(0, VectorTableModel::DeliveryP50Column)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .startsWith(QStringLiteral("9 completions with a delivery stamp, 2 without")));
        QCOMPARE(model.index(1, VectorTableModel::DeliveryP50Column).data().toString(), QStringLiteral("—"));
        QCOMPARE(model.headerData(VectorTableModel::DeliveryP50Column, Qt::Horizontal).toString(),
                 QStringLiteral("Dlv P50"));
    }

    void shortfallShowsWhatTheScheduleOwedAndDidNotFire()
    {
        VectorTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto slots = simSlots();
        model.setVectors(slots);
        auto s = snapshotWith(slots, {0, 1}, 40);
        model.applySnapshot(s);
        QCOMPARE(model.index(1, VectorTableModel::ShortfallColumn).data().toString(), QStringLiteral("0"));
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        s.vectors[1].counters.requested = 100;
        s.vectors[1].counters.behind = 50;
        s.vectors[1].counters.skipped = 10;
        model.applySnapshot(s);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.at(0).at(1).value<QModelIndex>().column(), int(VectorTableModel::ShortfallColumn));
        QCOMPARE(model.index(1, VectorTableModel::ShortfallColumn).data().toString(), QStringLiteral("60"));
        QCOMPARE(model.index(1, VectorTableModel::ShortfallColumn).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("60 of the 100 requested triggers not fired: 50 with the schedule behind (the firing "
                                "thread was late), 10 with the window full (the device is slower than the rate)"));
        QCOMPARE(model.index(1, VectorTableModel::ShortfallColumn).data(VectorTableModel::SortRole).toULongLong(), 60u);
        QCOMPARE(model.headerData(VectorTableModel::ShortfallColumn, Qt::Horizontal).toString(),
                 QStringLiteral("Shortfall"));
    }

    void observedVectorsShowTheObserversNumbersNotTheEngines()
    {
        // Observer snapshots keep the engine's fields at zero; here they hold decoys, so a cell that shows a
        // measured field where the observer's number belongs (or the other way round) shows the decoy.
        VectorTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto slots = simSlots();
        model.setVectors(slots);
        core::Snapshot s;
        s.observed = true;
        for (uint32_t slot : {1u, 2u}) {
            core::VectorSnapshot v;
            v.slot = slot;
            v.id = slots.id(slot);
            v.hostIrq = 30 + static_cast<int>(slot);
            v.hostCpu = 1;
            v.completionRateHz = 3;                                             // decoy
            v.hostCount = 13;                                                   // decoy
            v.counters.state = slot == 1 ? 0u : uint32_t{core::vstate::kArmed}; // decoy: opposite of presence
            auto& o = v.observed.emplace();
            o.present = slot == 1;
            o.hostCount = 1000 * slot;
            o.hostRateHz = 250.0 * slot;
            s.vectors.push_back(v);
        }
        model.applySnapshot(s);
        const auto cell = [&model](int row, int column, int role = Qt::DisplayRole) {
            return model.index(row, column).data(role);
        };
        QCOMPARE(cell(1, VectorTableModel::StateColumn).toString(), QStringLiteral("in use by owner"));
        QCOMPARE(cell(2, VectorTableModel::StateColumn).toString(), QStringLiteral("disarmed")); // gone
        QCOMPARE(cell(1, VectorTableModel::RateColumn).toString(), formatRate(250.0));
        QCOMPARE(cell(2, VectorTableModel::RateColumn).toString(), formatRate(500.0));
        QCOMPARE(cell(1, VectorTableModel::RateColumn, VectorTableModel::SortRole).toDouble(), 250.0);
        QCOMPARE(cell(1, VectorTableModel::HostCountColumn).toString(), QStringLiteral("1000"));
        QCOMPARE(cell(2, VectorTableModel::HostCountColumn, VectorTableModel::SortRole).toLongLong(), 2000);
        QVERIFY(cell(1, VectorTableModel::HostCountColumn, Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("since observing started")));
        QCOMPARE(cell(1, VectorTableModel::HostGapColumn).toString(), QStringLiteral("0"));
        QVERIFY(model.observed());

        // The same vectors measured by the engine (no observed fields): the engine's numbers, in every cell that
        // changed meaning.
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        s.observed = false;
        for (auto& v : s.vectors)
            v.observed.reset();
        QCOMPARE(model.applySnapshot(s), 2);
        QCOMPARE(cell(1, VectorTableModel::StateColumn).toString(), QStringLiteral("disarmed"));
        QVERIFY(cell(2, VectorTableModel::StateColumn).toString() != QStringLiteral("in use by owner"));
        QCOMPARE(cell(1, VectorTableModel::RateColumn).toString(), formatRate(3.0));
        QCOMPARE(cell(1, VectorTableModel::HostCountColumn).toString(), QStringLiteral("13"));
        QVERIFY(cell(1, VectorTableModel::HostCountColumn, Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("since the vector was armed")));
        QCOMPARE(changed.count(), 1);
        const auto first = changed.at(0).at(0).value<QModelIndex>();
        const auto last = changed.at(0).at(1).value<QModelIndex>();
        QVERIFY(first.column() <= VectorTableModel::StateColumn);
        QVERIFY(last.column() >= VectorTableModel::HostCountColumn);
    }

    void aPostedObservedVectorShowsPostedNeverZero()
    {
        // docs/observer.md "Delivery": the host cannot count a vector posted to a vCPU, so its rate cell says
        // "posted" (and its tooltip why) instead of the flat host count's 0.
        VectorTableModel model;
        const auto slots = simSlots();
        model.setVectors(slots);
        core::Snapshot s;
        s.observed = true;
        core::VectorSnapshot v;
        v.slot = 1;
        v.id = slots.id(1);
        v.hostIrq = 58;
        auto& o = v.observed.emplace();
        o.present = true;
        o.delivery = core::ObservedDelivery::LikelyPosted;
        o.deliveryReason = "KVM can post it";
        s.vectors.push_back(v);
        model.applySnapshot(s);
        QCOMPARE(model.index(1, VectorTableModel::RateColumn).data().toString(), QStringLiteral("posted"));
        QVERIFY(model.index(1, VectorTableModel::RateColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("KVM can post it")));
        s.vectors[0].observed->delivery = core::ObservedDelivery::HostHandled;
        s.vectors[0].observed->deliveryReason = "the owner is no VM";
        QCOMPARE(model.applySnapshot(s), 1);
        QCOMPARE(model.index(1, VectorTableModel::RateColumn).data().toString(), formatRate(0.0));
    }

    void proxySortedByIndexIsNotRelaidOutBySnapshots()
    {
        // 512 selected vectors, as the dashboard charts them: each layout change makes Qt re-map every selected
        // row, so a snapshot that moves no row must not cause one.
        VectorTableModel model;
        VectorFilterProxy proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const core::VectorSlots slots({1, 1, 512, 1, 1});
        model.setVectors(slots);
        proxy.sort(VectorTableModel::IndexColumn, Qt::AscendingOrder);
        QItemSelectionModel selection(&proxy);
        selection.select(QItemSelection(proxy.index(0, 0), proxy.index(proxy.rowCount() - 1, 0)),
                         QItemSelectionModel::Select | QItemSelectionModel::Rows);
        std::vector<uint32_t> all;
        for (uint32_t i = 0; i < 512; ++i)
            all.push_back(slots.slot({core::IrqIndex::Msix, i}));
        auto snapshot = [&](uint64_t n) {
            core::Snapshot s;
            for (uint32_t slot : all) {
                core::VectorSnapshot v;
                v.slot = slot;
                v.counters.triggered = n + slot % 7;
                v.counters.completed = n;
                v.counters.state = core::vstate::kArmed | core::vstate::kTriggering;
                v.completionRateHz = static_cast<double>(n % 13);
                s.vectors.push_back(v);
            }
            return s;
        };
        model.applySnapshot(snapshot(1));
        QSignalSpy layout(&proxy, &QAbstractItemModel::layoutChanged);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        for (uint64_t n = 2; n < 10; ++n)
            model.applySnapshot(snapshot(n));
        QCOMPARE(layout.count(), 0);
        QCOMPARE(changed.count(), 8);
        for (const auto& args : changed)
            QVERIFY(args.at(0).value<QModelIndex>().column() > VectorTableModel::IndexColumn);
        QCOMPARE(selection.selection().size(), 1);
    }

    void proxySortsByNumbersAndFiltersIdleVectors()
    {
        VectorTableModel model;
        VectorFilterProxy proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto slots = simSlots();
        model.setVectors(slots);
        const uint32_t msix0 = slots.slot({core::IrqIndex::Msix, 0});
        proxy.setActiveOnly(true);
        QCOMPARE(proxy.rowCount(), 0);
        model.applySnapshot(snapshotWith(slots, {msix0 + 2, msix0 + 9, msix0 + 10}, 5));
        QCOMPARE(proxy.rowCount(), 3);
        proxy.sort(VectorTableModel::P50Column, Qt::DescendingOrder);
        // p50 grows with the slot: msix:10 first. Text order would put "2.0x µs" values wrongly for 9 vs 10.
        QCOMPARE(proxy.index(0, 0).data(VectorTableModel::SlotRole).toUInt(), msix0 + 10);
        QCOMPARE(proxy.index(2, 0).data(VectorTableModel::SlotRole).toUInt(), msix0 + 2);
        proxy.setActiveOnly(false);
        QCOMPARE(proxy.rowCount(), 75);
    }

    void deviceListModelPassesTheTesterAndSaysWhy()
    {
        DeviceListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        core::DiscoveredDevice held;
        held.bdf = "0000:01:00.0";
        held.driver = "vfio-pci";
        held.iommuGroup = 12;
        held.owner = "qemu-system-x86";
        held.ownerPid = 4242;
        held.problem = "Device or resource busy";
        core::DiscoveredDevice unbound;
        unbound.bdf = "0000:02:00.0";
        unbound.problem = "not bound to any driver";
        model.setDevices({describeSimDevice(), held, unbound});
        QCOMPARE(model.rowCount(), 3);
        QVERIFY(model.index(0, 0).data(DeviceListModel::OpenableRole).toBool());
        QVERIFY(model.index(0, DeviceListModel::VectorsColumn).data().toString().contains(QStringLiteral("MSI-X 64")));
        QVERIFY(!model.index(1, 0).data(DeviceListModel::OpenableRole).toBool());
        QVERIFY(model.index(1, DeviceListModel::StatusColumn)
                    .data()
                    .toString()
                    .contains(QStringLiteral("owned by qemu-system-x86 (pid 4242)")));
        QCOMPARE(model.index(2, DeviceListModel::StatusColumn).data().toString(),
                 QStringLiteral("not bound to any driver"));
        DeviceRoots roots;
        roots.sysfs = "/nonexistent-sysfs";
        model.setDevices(listDevices(roots));
        QCOMPARE(model.rowCount(), 1); // sim only
    }

    void selectedSlotsBecomeContiguousRuns()
    {
        const auto slots = simSlots();
        const uint32_t msix0 = slots.slot({core::IrqIndex::Msix, 0});
        const auto runs = slotRuns(slots, {msix0 + 3, msix0 + 1, msix0 + 2, 0, msix0 + 7, msix0 + 2});
        QCOMPARE(runsText(runs), QStringLiteral("intx:0,msix:1-3,msix:7"));
    }

    void decimationKeepsEachPixelsMaximum()
    {
        QList<QPointF> out;
        out.reserve(64);
        MaxDecimator d(0, 10, 5, out); // 2 s per column
        for (int i = 0; i < 100; ++i)
            d.add(i * 0.1, i == 37 ? 500.0 : 1.0); // one spike at t = 3.7
        d.add(5.0, -1);                            // no-sample ticks are skipped
        QCOMPARE(d.finish(), 500.0);
        QCOMPARE(out.size(), 5);
        QCOMPARE(out[1].y(), 500.0);
        QVERIFY(qAbs(out[1].x() - 3.7) < 1e-9);
    }

    void histogramOutlineStepsOnTheLogLatencyAxis()
    {
        QList<QPointF> outline;
        // Bins 100-1000 ns and 1-10 µs: x in log10 ns.
        QCOMPARE(stepOutline({100, 1'000, 10'000}, {0, 7}, 0.8, outline), uint64_t{7});
        QCOMPARE(outline, (QList<QPointF>{{2, 0.8}, {3, 0.8}, {3, 7}, {4, 7}}));
        // Runs of equal bins (the empty tail above all) are one step each.
        QCOMPARE(stepOutline({1, 10, 100, 1'000, 10'000}, {7, 7, 0, 0}, 0.8, outline), uint64_t{7});
        QCOMPARE(outline, (QList<QPointF>{{0, 7}, {2, 7}, {2, 0.8}, {4, 0.8}}));
    }

    void chartsKeepTheirSeriesColoursOnADarkDesktop()
    {
        // A dark platform palette switches the charts to Qt's dark theme; a theme change re-decorates every
        // series already added, which replaced the shared vector colours (and the 1 px pens) with the theme's.
        const QPalette saved = QApplication::palette();
        QPalette dark = saved;
        dark.setColor(QPalette::Window, QColor(0x20, 0x20, 0x20));
        dark.setColor(QPalette::Base, QColor(0x10, 0x10, 0x10));
        QApplication::setPalette(dark);
        HistoryStore history;
        TimeSeriesChart latency(TimeSeriesChart::Metric::Latency, history);
        HistogramChart histogram;
        QApplication::setPalette(saved);
        QCOMPARE(latency.chart()->theme(), QChart::ChartThemeDark);
        for (QChartView* view : std::initializer_list<QChartView*>{&latency, &histogram}) {
            const QList<QAbstractSeries*> series = view->chart()->series();
            QVERIFY(!series.isEmpty());
            // Latency: each vector has its interval maximum and its dashed median, in the vector's colour.
            const int perVector = view == &latency ? 2 : 1;
            for (int i = 0; i < series.size(); ++i) {
                const QPen pen = static_cast<QLineSeries*>(series[i])->pen();
                QCOMPARE(pen.color(), seriesColor(i / perVector));
                QCOMPARE(pen.widthF(), kLineWidth);
            }
        }
    }

    void oneOutlierDoesNotSqueezeTheHistogram()
    {
        // 1 200 samples at 4-60 µs and one at 8.13 ms: on the old linear axis it ran to 10 ms in 50 µs bins and
        // every sample but the spike sat in the first bin. The fitted log axis keeps the body wide and says what
        // it left to the percentile chart.
        core::Snapshot s;
        core::VectorSnapshot v;
        v.slot = 3;
        v.histogram = {{4'000, 600}, {5'000, 500}, {20'000, 90}, {56'000, 10}, {8'126'464, 1}};
        v.latency.count = 1'201;
        v.latency.maxNs = 8'130'000;
        s.vectors.push_back(v);
        HistogramChart chart;
        chart.setCharted({3}, {QStringLiteral("msix:0")});
        chart.refresh(s);
        const auto [lo, hi] = chart.latencyAxisRange();
        QVERIFY2(lo <= std::log10(4'000.0) && hi >= std::log10(57'000.0),
                 qPrintable(QStringLiteral("%1..%2").arg(lo).arg(hi)));
        QVERIFY(hi < std::log10(8'126'464.0));
        QVERIFY2(chart.latencyAxisTitle().contains(QStringLiteral("1 above, max 8.13 ms")),
                 qPrintable(chart.latencyAxisTitle()));
        // Without the spike every sample is drawn and the title is plain.
        s.vectors[0].histogram.pop_back();
        s.vectors[0].latency.maxNs = 56'000;
        HistogramChart plain;
        plain.setCharted({3}, {QStringLiteral("msix:0")});
        plain.refresh(s);
        QCOMPARE(plain.latencyAxisTitle(), QStringLiteral("latency (log scale)"));
        QVERIFY(plain.latencyAxisRange().second >= std::log10(57'000.0));
    }

    void histogramBodyFillsThePlotForASubMicrosecondAndALognormal200usRun()
    {
        // The sim's latency model, deterministic: a sub-µs run with a rare tail to tens of µs (the old 0-100 µs
        // linear axis put it in its first bin), and --sim-latency lognormal:200us,1. The drawn mass from its 5th to
        // its 95th percentile, read from the series and the axis, must span at least half the plot's width.
        for (const auto& run : {irqscope::test::subMicrosecondRun(), irqscope::test::lognormal200usRun()}) {
            core::Snapshot s;
            core::VectorSnapshot v;
            v.slot = 3;
            v.histogram = irqscope::test::snapshotBuckets(run);
            v.latency.count = run.count();
            v.latency.maxNs = run.max();
            s.vectors.push_back(v);
            HistogramChart chart;
            chart.setCharted({3}, {QStringLiteral("msix:0")});
            chart.refresh(s);
            const auto [lo, hi] = chart.latencyAxisRange();
            const double binWidth = (hi - lo) / static_cast<double>(chart.layout().bins());
            // Each step of the outline covers (x1 - x0) / binWidth bins of its count; empty bins sit on the floor.
            std::vector<std::pair<double, double>> mass; // (centre as a part of the width, samples)
            double total = 0;
            const QList<QPointF> points = chart.points(0);
            for (qsizetype i = 0; i + 1 < points.size(); i += 2) {
                if (points[i].y() <= HistogramChart::kFloor)
                    continue;
                const double samples = points[i].y() * (points[i + 1].x() - points[i].x()) / binWidth;
                mass.emplace_back(((points[i].x() + points[i + 1].x()) / 2 - lo) / (hi - lo), samples);
                total += samples;
            }
            QVERIFY(total > 0);
            const auto quantile = [&](double q) {
                double seen = 0;
                for (const auto& [at, samples] : mass) {
                    seen += samples;
                    if (seen >= q * total)
                        return at;
                }
                return 1.0;
            };
            const double p5 = quantile(0.05), p95 = quantile(0.95);
            QVERIFY2(p95 - p5 >= 0.5, qPrintable(QStringLiteral("body over %1..%2 of the width").arg(p5).arg(p95)));
            QVERIFY(p95 > 0.1);
        }
    }

    void percentileChartLabelsTheNinesAndSpansMinToMax()
    {
        core::Snapshot s;
        core::VectorSnapshot v;
        v.slot = 3;
        v.histogram = {{600, 9'000}, {900, 900}, {2'000, 99}, {40'448, 1}}; // 10 000 samples
        s.vectors.push_back(v);
        PercentileChart chart;
        chart.setCharted({3}, {QStringLiteral("msix:0")});
        chart.refresh(s);
        QVERIFY(chart.pointCount(0) >= 6);
        QCOMPARE(chart.percentileLabels(),
                 (QStringList{QStringLiteral("0%"), QStringLiteral("50%"), QStringLiteral("90%"), QStringLiteral("99%"),
                              QStringLiteral("99.9%"), QStringLiteral("99.99%")}));
        const auto [lo, hi] = chart.latencyAxisRange();
        QVERIFY(lo <= std::log10(600.0) && hi >= std::log10(40'448.0));
        QVERIFY(chart.latencyLabels().contains(QStringLiteral("1 µs")));
        QVERIFY(chart.latencyLabels().contains(QStringLiteral("10 µs")));
    }
};

std::unique_ptr<QObject> makeModelTests()
{
    return std::make_unique<ModelTests>();
}

} // namespace irqscope::ui::test

#include "model_test.moc"

// Device picker and observer mode against fake sysfs/procfs trees (as tests/core/discovery_sysfs_test.cpp and
// observe_*_test.cpp build them): the picker says why each device cannot be opened (not bound to vfio-pci, no
// group node, no permission) and offers to observe one another process owns; opening that device observes it
// with the "observing: owned by NAME (pid N)" banner, host IRQs and CPUs from the fake /proc/interrupts, and every
// control that needs ownership disabled with the reason.
#include "ui_test_suites.h"

#include "fixtures.h"
#include "main_window.h"
#include "models/device_list_model.h"
#include "models/vector_table_model.h"
#include "widgets/device_dialog.h"

#include <QAction>
#include <QTest>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace irqscope::ui::test {

namespace {

namespace fs = std::filesystem;

QString cellText(MainWindow& w, core::VectorId id, int column, int role = Qt::DisplayRole)
{
    const uint32_t slot = w.session().slots().slot(id);
    return w.vectorModel().index(static_cast<int>(slot), column).data(role).toString();
}

} // namespace

class DeviceTests final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void pickerSaysWhyAndOffersObserving()
    {
        FakeHost host;
        host.device("0000:00:02.0", "vfio-pci", 12, 4); // owned by QEMU
        host.groupNode(12, fs::perms::owner_read | fs::perms::owner_write);
        host.owner(4242, "qemu-system-x86", "/dev/vfio/12");
        host.device("0000:00:03.0", "e1000e", 13, 4);   // not bound to vfio-pci
        host.device("0000:00:04.0", "vfio-pci", 14, 4); // no group node
        host.device("0000:00:05.0", "vfio-pci", 15, 4); // a node nobody may open
        host.groupNode(15, fs::perms::none);
        host.device("0000:00:06.0", "vfio-pci", 16, 4); // fine
        host.groupNode(16, fs::perms::owner_read | fs::perms::owner_write);

        DeviceDialog dialog(host.roots());
        // sim plus the four vfio-pci devices (the e1000e one is not offered by discovery).
        QCOMPARE(dialog.model()->rowCount(), 5);
        QVERIFY(dialog.selectDevice(QStringLiteral("0000:00:02.0")));
        QVERIFY(dialog.selectedIsOwned());
        QCOMPARE(dialog.openButtonText(), QStringLiteral("&Observe"));
        QVERIFY2(dialog.reasonText().contains(QStringLiteral("owned by qemu-system-x86 (pid 4242)")),
                 qPrintable(dialog.reasonText()));
        QVERIFY(dialog.selectDevice(QStringLiteral("0000:00:04.0")));
        QCOMPARE(dialog.openButtonText(), QStringLiteral("&Open"));
        QVERIFY2(dialog.reasonText().contains(QStringLiteral("/dev/vfio/14 does not exist")),
                 qPrintable(dialog.reasonText()));
        QVERIFY(dialog.selectDevice(QStringLiteral("0000:00:06.0")));
        QVERIFY(dialog.reasonText().isEmpty());
        QVERIFY(dialog.selectDevice(QStringLiteral("0000:00:05.0")));
        if (geteuid() == 0) {
            QVERIFY(dialog.reasonText().isEmpty()); // root opens anything
        } else {
            QVERIFY2(dialog.reasonText().contains(QStringLiteral("no permission to open /dev/vfio/15")),
                     qPrintable(dialog.reasonText()));
        }

        // Not bound: the window says so in discovery's words.
        MainWindow w;
        w.setDeviceRoots(host.roots());
        QVERIFY(!w.openDevice(QStringLiteral("0000:00:03.0")));
        QVERIFY2(w.bannerText().contains(QStringLiteral("bound to e1000e, not vfio-pci")), qPrintable(w.bannerText()));
    }

    void ownedDeviceIsObserved()
    {
        FakeHost host;
        host.device("0000:00:02.0", "vfio-pci", 12, 4);
        host.groupNode(12, fs::perms::owner_read | fs::perms::owner_write);
        host.owner(4242, "qemu-system-x86", "/dev/vfio/12");
        host.interrupts(100, 7);

        MainWindow w;
        w.setDeviceRoots(host.roots());
        w.show();
        QVERIFY(w.openDevice(QStringLiteral("00:02.0")));
        QVERIFY(w.session().mode() == SessionMode::Observe);
        QVERIFY2(w.bannerText().startsWith(QStringLiteral("observing: owned by qemu-system-x86 (pid 4242)")),
                 qPrintable(w.bannerText()));
        const auto& a = w.dashboardActions();
        for (QAction* action : {a.arm, a.disarm, a.triggerOnce, a.mask, a.start, a.reset}) {
            QVERIFY2(!action->isEnabled(), qPrintable(action->objectName()));
            QVERIFY2(action->toolTip().contains(QStringLiteral("qemu-system-x86 (pid 4242) owns this device")),
                     qPrintable(action->toolTip()));
        }
        // Host IRQ and CPU from the fake /proc/interrupts and effective affinity.
        const core::VectorId msix0{core::IrqIndex::Msix, 0};
        const core::VectorId msix1{core::IrqIndex::Msix, 1};
        QTRY_COMPARE_WITH_TIMEOUT(cellText(w, msix0, VectorTableModel::HostIrqColumn), QStringLiteral("24"),
                                  kGenerousWaitMs);
        QCOMPARE(cellText(w, msix0, VectorTableModel::HostCpuColumn), QStringLiteral("0"));
        QCOMPARE(cellText(w, msix1, VectorTableModel::HostIrqColumn), QStringLiteral("25"));
        QCOMPARE(cellText(w, msix1, VectorTableModel::HostCpuColumn), QStringLiteral("1"));
        QVERIFY(cellText(w, msix0, VectorTableModel::HostIrqColumn, Qt::ToolTipRole).contains(QStringLiteral("24")));
        // The guest keeps raising msix:1: its rate shows up at the next sample.
        host.interrupts(100, 1007);
        QTRY_VERIFY_WITH_TIMEOUT(
            cellText(w, msix1, VectorTableModel::RateColumn, VectorTableModel::SortRole).toDouble() > 0,
            kGenerousWaitMs);
    }
};

std::unique_ptr<QObject> makeDeviceTests()
{
    return std::make_unique<DeviceTests>();
}

} // namespace irqscope::ui::test

#include "device_test.moc"

// Settings tests: DashboardSettings reads the defaults from an empty store, keeps every field through a save and
// a load under the keys earlier versions wrote, and the window restores what it saved when it was closed.
#include "ui_test_suites.h"

#include "main_window.h"
#include "settings/dashboard_settings.h"
#include "widgets/engine_settings_panel.h"

#include <QAction>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

namespace irqscope::ui::test {

class SettingsTests final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void anEmptyStoreGivesTheDefaults()
    {
        QTemporaryDir dir;
        QSettings store(dir.filePath(QStringLiteral("empty.ini")), QSettings::IniFormat);
        const DashboardSettings s = DashboardSettings::load(store, {QStringLiteral("mainSplitter")});
        QVERIFY(s.windowGeometry.isEmpty());
        QVERIFY(s.tableHeader.isEmpty());
        QCOMPARE(s.splitters.keys(), QStringList{QStringLiteral("mainSplitter")});
        QVERIFY(!s.activeOnly);
        QCOMPARE(s.engine.coreCpu, -1);
        QCOMPARE(s.engine.fifoPriority, 0);
        QVERIFY(!s.engine.mlock);
        QCOMPARE(s.engine.rateHz, 1000.0);
        QCOMPARE(s.engine.triggerMode, core::TriggerMode::Loopback);
    }

    void everyFieldSurvivesASaveAndALoad()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("irqscope.ini"));
        DashboardSettings saved;
        saved.windowGeometry = QByteArray("geometry");
        saved.windowState = QByteArray("state");
        saved.tableHeader = QByteArray("header");
        saved.splitters.insert(QStringLiteral("mainSplitter"), QByteArray("main"));
        saved.splitters.insert(QStringLiteral("chartSplitter"), QByteArray("charts"));
        saved.activeOnly = true;
        saved.engine = {3, 50, true, core::TriggerMode::Device, 250.0};
        {
            QSettings store(path, QSettings::IniFormat);
            saved.save(store);
        }
        QSettings store(path, QSettings::IniFormat);
        // The keys settings files already hold.
        QCOMPARE(store.value(QStringLiteral("engine/triggerMode")).toString(), QStringLiteral("device"));
        QCOMPARE(store.value(QStringLiteral("window/mainSplitter")).toByteArray(), QByteArray("main"));
        QCOMPARE(store.value(QStringLiteral("view/activeOnly")).toBool(), true);
        const DashboardSettings loaded =
            DashboardSettings::load(store, {QStringLiteral("mainSplitter"), QStringLiteral("chartSplitter")});
        QCOMPARE(loaded.windowGeometry, saved.windowGeometry);
        QCOMPARE(loaded.windowState, saved.windowState);
        QCOMPARE(loaded.tableHeader, saved.tableHeader);
        QCOMPARE(loaded.splitters, saved.splitters);
        QCOMPARE(loaded.activeOnly, true);
        QCOMPARE(loaded.engine.coreCpu, 3);
        QCOMPARE(loaded.engine.fifoPriority, 50);
        QCOMPARE(loaded.engine.mlock, true);
        QCOMPARE(loaded.engine.triggerMode, core::TriggerMode::Device);
        QCOMPARE(loaded.engine.rateHz, 250.0);
    }

    void theWindowRestoresWhatItSavedOnClose()
    {
        {
            MainWindow w;
            w.show();
            w.dashboardActions().activeOnly->setChecked(true);
            EngineSettings engine;
            engine.rateHz = 250;
            engine.triggerMode = core::TriggerMode::Device;
            engine.mlock = true;
            w.settingsPanel()->setSettings(engine);
            QVERIFY(w.close());
        }
        MainWindow w;
        QVERIFY(w.dashboardActions().activeOnly->isChecked());
        const EngineSettings engine = w.settingsPanel()->settings();
        QCOMPARE(engine.rateHz, 250.0);
        QCOMPARE(engine.triggerMode, core::TriggerMode::Device);
        QVERIFY(engine.mlock);
        QSettings().clear(); // the other suites start from the defaults
    }
};

std::unique_ptr<QObject> makeSettingsTests()
{
    return std::make_unique<SettingsTests>();
}

} // namespace irqscope::ui::test

#include "settings_test.moc"

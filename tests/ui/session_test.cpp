// Session tests through the window: stopping the engine never blocks the GUI thread (it shows "stopping…" and
// disables the controls until the core thread is joined), every report format is written in the background
// with its outcome reported (ReportExporter refuses a second one, or one with nothing measured), and a recording
// replays into the table read-only, ending on the recorded numbers.
#include "ui_test_suites.h"

#include "charts/histogram_chart.h"
#include "fixtures.h"
#include "main_window.h"
#include "models/vector_table_model.h"
#include "session/report_export.h"
#include "session/report_exporter.h"
#include "widgets/engine_settings_panel.h"
#include "widgets/status_panel.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <cerrno>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace irqscope::ui::test {

namespace {

using namespace std::chrono_literals;

uint64_t cell(MainWindow& w, uint32_t slot, int column)
{
    return w.vectorModel().index(static_cast<int>(slot), column).data().toString().toULongLong();
}

} // namespace

class SessionTests final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void stopDoesNotBlockTheGuiThread()
    {
        MainWindow w;
        w.show();
        // Device-raised triggers that take 60 ms to complete: a stop has to drain them (the core thread waits up
        // to the deadline), which used to happen on the GUI thread.
        EngineSettings settings;
        settings.triggerMode = core::TriggerMode::Device;
        settings.rateHz = 200;
        w.settingsPanel()->setSettings(settings);
        core::DeviceRequest request;
        std::string error;
        request.sim.deviceLatency = *core::parseLatencyDistribution("fixed:60ms", error);
        QVERIFY(w.openDevice(request));
        QTRY_VERIFY_WITH_TIMEOUT(w.session().latest() && !w.session().latest()->vectors.empty() &&
                                     w.session().latest()->vectors.front().counters.inFlight > 0,
                                 kGenerousWaitMs);

        // Judged by order, not by how many milliseconds this machine gives the GUI thread: the stop is finished
        // (stopFinished) from the event loop once the worker thread has drained and joined the core thread. A stop
        // that did that on the GUI thread would have finished inside the call.
        const auto& a = w.dashboardActions();
        QSignalSpy finished(&w.session(), &MeasurementSession::stopFinished);
        a.stop->trigger();
        QCOMPARE(finished.count(), qsizetype{0});
        QCOMPARE(w.statusPanel()->stateText(), QStringLiteral("stopping…"));
        for (QAction* action : {a.start, a.stop, a.open, a.arm, a.exportReport}) {
            QVERIFY2(!action->isEnabled(), qPrintable(action->objectName()));
            QVERIFY2(action->toolTip().contains(QStringLiteral("Stopping")), qPrintable(action->objectName()));
        }
        // The event loop keeps running while the core thread drains: a 0 ms timer queued now fires before the
        // stop is finished.
        bool fired = false;
        qsizetype finishedWhenFired = -1;
        QTimer::singleShot(0, &w, [&] {
            fired = true;
            finishedWhenFired = finished.count();
        });
        QTRY_VERIFY_WITH_TIMEOUT(fired, kGenerousWaitMs);
        QCOMPARE(finishedWhenFired, qsizetype{0});

        QTRY_VERIFY_WITH_TIMEOUT(!w.session().stopping(), kGenerousWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), qsizetype{1}, kGenerousWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(w.statusPanel()->stateText().isEmpty(), kGenerousWaitMs);
        QVERIFY(a.start->isEnabled());
        QVERIFY(a.open->isEnabled());
        // The final snapshot: nothing armed, nothing left in flight.
        const auto final = w.session().latest();
        QVERIFY(final);
        for (const auto& v : final->vectors) {
            QCOMPARE(v.counters.state & core::vstate::kArmed, 0u);
            QCOMPARE(v.counters.inFlight, uint64_t{0});
        }
        // And it starts again.
        a.start->trigger();
        QVERIFY(w.session().running());
    }

    void everyReportFormatIsWrittenInTheBackground()
    {
        QTemporaryDir dir;
        MainWindow w;
        w.show();
        QVERIFY(w.openDevice(QStringLiteral("sim")));
        // Something to report: every vector has completions (waited for, not slept for).
        QTRY_VERIFY_WITH_TIMEOUT(
            w.session().latest() && w.session().latest()->vectors.size() >= 8 &&
                std::all_of(w.session().latest()->vectors.begin(), w.session().latest()->vectors.end(),
                            [](const core::VectorSnapshot& v) { return v.counters.completed > 0; }),
            kGenerousWaitMs);
        QSignalSpy finished(&w, &MainWindow::exportFinished);
        for (const auto& format : reportFormats()) {
            const QString path = dir.filePath(QStringLiteral("report.") + format.suffix);
            QVERIFY(w.exportReport(path, format.format));
            QVERIFY(w.exporting());
            QVERIFY(!w.dashboardActions().exportReport->isEnabled()); // one export at a time
            QVERIFY(finished.wait(kGenerousWaitMs));
            const auto args = finished.takeFirst();
            QCOMPARE(args.at(0).toString(), path);
            QVERIFY2(args.at(1).toString().isEmpty(), qPrintable(args.at(1).toString()));
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QByteArray text = file.readAll();
            QVERIFY2(text.size() > 100, qPrintable(path));
            switch (format.format) {
            case ReportFormat::Json: {
                const auto json = nlohmann::json::parse(text.toStdString());
                QCOMPARE(json.at("vectors").size(), std::size_t{8});
                break;
            }
            case ReportFormat::CyclictestJson:
                QVERIFY(nlohmann::json::parse(text.toStdString()).contains("thread"));
                break;
            case ReportFormat::Html:
                QVERIFY(text.contains("<svg"));
                break;
            case ReportFormat::Pdf:
                QVERIFY(text.startsWith("%PDF-"));
                break;
            case ReportFormat::CyclictestSummary:
                QVERIFY(text.startsWith("T: 0"));
                break;
            case ReportFormat::Csv:
            case ReportFormat::CyclictestHistogram:
                break;
            }
        }
        QVERIFY(w.dashboardActions().exportReport->isEnabled());
        // A file that cannot be written: the error is reported, nothing crashes.
        QVERIFY(w.exportReport(dir.filePath(QStringLiteral("missing/dir/report.json"))));
        QVERIFY(finished.wait(kGenerousWaitMs));
        QVERIFY(!finished.takeFirst().at(1).toString().isEmpty());
        QVERIFY(w.dashboardActions().exportReport->isEnabled());
    }

    void anExportIsRefusedWithNothingMeasuredOrOneInProgress()
    {
        QTemporaryDir dir;
        MeasurementSession session;
        ReportExporter exporter(session);
        QSignalSpy finished(&exporter, &ReportExporter::finished);
        const QString path = dir.filePath(QStringLiteral("report.json"));
        auto refused = exporter.start(path);
        QVERIFY(refused);
        QCOMPARE(refused->error, ENODATA);
        QVERIFY(!exporter.busy());

        core::DeviceRequest request;
        request.device = "sim";
        QCOMPARE(session.open(request), QString());
        QCOMPARE(session.start(EngineSettings{}), QString());
        QTRY_VERIFY_WITH_TIMEOUT(session.latest() != nullptr, kGenerousWaitMs);
        QVERIFY(!exporter.start(path));
        QVERIFY(exporter.busy());
        // Busy until its finished() is delivered on this thread, however fast the worker is.
        refused = exporter.start(dir.filePath(QStringLiteral("second.json")));
        QVERIFY(refused);
        QCOMPARE(refused->error, EBUSY);
        QVERIFY(finished.wait(kGenerousWaitMs));
        QCOMPARE(finished.takeFirst(), (QVariantList{path, QString()}));
        QVERIFY(!exporter.busy());
        QVERIFY(QFileInfo(path).size() > 100);
        QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("second.json"))));
    }

    void aDeviceTriggerTheProfileCannotRaiseIsRefusedBeforeArming()
    {
        // A loopback-only profile has no recipe for raising msix:0: the start says so in one line and arms nothing,
        // as `irqscope run` does, instead of arming and silently never triggering.
        QTemporaryDir dir;
        const QString profile = dir.filePath(QStringLiteral("loopback-only.json"));
        QFile file(profile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"irqscope_profile": 1, "name": "loopback-only", "description": "no recipe",
                      "setup": [], "teardown": [], "indexes": {}})");
        file.close();
        MeasurementSession session;
        core::DeviceRequest request;
        request.device = "sim";
        request.profilePath = profile.toStdString();
        QCOMPARE(session.open(request), QString());
        EngineSettings settings;
        settings.triggerMode = core::TriggerMode::Device;
        const std::vector<core::VectorRange> msix0{{core::IrqIndex::Msix, 0, 1}};
        const QString error = session.start(settings, msix0, msix0);
        QVERIFY2(error.contains(QStringLiteral("does not say how to raise msix:0")), qPrintable(error));
        QVERIFY(!error.contains(QLatin1Char('\n')));
        QVERIFY(!session.running());
    }

    void recordingReplaysReadOnlyIntoTheTable()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("run.irqrec")).toStdString();
        const core::Snapshot recorded = makeRecording(path);

        MainWindow w;
        w.show();
        QVERIFY(w.openRecording(QString::fromStdString(path), 0));
        QVERIFY(w.bannerText().startsWith(QStringLiteral("Recording ")));
        const auto& a = w.dashboardActions();
        for (QAction* action : {a.arm, a.triggerOnce, a.mask, a.start, a.reset}) {
            QVERIFY2(!action->isEnabled(), qPrintable(action->objectName()));
            QVERIFY2(action->toolTip().contains(QStringLiteral("read-only")), qPrintable(action->toolTip()));
        }
        QTRY_VERIFY_WITH_TIMEOUT(!w.session().running(), kGenerousWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(w.bannerText().contains(QStringLiteral("Replayed")), kGenerousWaitMs);
        // The table ends on the recorded statistics.
        int checked = 0;
        for (const auto& v : recorded.vectors) {
            if (!v.counters.triggered)
                continue;
            QCOMPARE(cell(w, v.slot, VectorTableModel::TriggeredColumn), v.counters.triggered);
            QCOMPARE(cell(w, v.slot, VectorTableModel::CompletedColumn), v.counters.completed);
            // The recorded rate, not the rate at which the replay pushed the samples.
            QCOMPARE(w.vectorModel()
                         .index(static_cast<int>(v.slot), VectorTableModel::RateColumn)
                         .data(VectorTableModel::SortRole)
                         .toDouble(),
                     v.completionRateHz);
            QVERIFY(w.vectorModel().index(static_cast<int>(v.slot), VectorTableModel::P99Column).data().toString() !=
                    QStringLiteral("—"));
            QCOMPARE(w.vectorModel()
                         .index(static_cast<int>(v.slot), VectorTableModel::HostIrqColumn)
                         .data(Qt::ToolTipRole)
                         .toString(),
                     QStringLiteral("not a host interrupt: simulated device"));
            ++checked;
        }
        QCOMPARE(checked, 8);
        QVERIFY(w.histogramChart()->pointCount(0) > 2); // the recorded latency distribution

        // Its report is the recording's (what `irqscope report FILE --json` renders).
        QSignalSpy finished(&w, &MainWindow::exportFinished);
        const QString report = dir.filePath(QStringLiteral("replayed.json"));
        QVERIFY(w.exportReport(report));
        QVERIFY(finished.wait(kGenerousWaitMs));
        QVERIFY(finished.takeFirst().at(1).toString().isEmpty());
        QFile file(report);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const auto json = nlohmann::json::parse(file.readAll().toStdString());
        QCOMPARE(json.at("vectors").size(), std::size_t{8});

        // A file that is not a recording: one line in the banner, nothing open.
        const QString junk = dir.filePath(QStringLiteral("junk.irqrec"));
        QVERIFY(QFile(junk).open(QIODevice::WriteOnly));
        QVERIFY(!w.openRecording(junk));
        QVERIFY(w.bannerText().startsWith(QStringLiteral("Cannot open the recording: ")));
        QVERIFY(!w.session().isOpen());
    }
};

std::unique_ptr<QObject> makeSessionTests()
{
    return std::make_unique<SessionTests>();
}

} // namespace irqscope::ui::test

#include "session_test.moc"

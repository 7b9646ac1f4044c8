// The background export: the job is copied on the GUI thread, rendered and written on the thread pool.
#include "session/report_exporter.h"

#include "session/measurement_session.h"

#include <QCoreApplication>
#include <QDir>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include <cerrno>

namespace irqscope::ui {

ReportExporter::ReportExporter(const MeasurementSession& session, QObject* parent)
    : QObject(parent)
    , m_session(session)
    , m_watcher(new QFutureWatcher<QString>(this))
{
    connect(m_watcher, &QFutureWatcher<QString>::progressValueChanged, this, &ReportExporter::progressValueChanged);
    connect(m_watcher, &QFutureWatcher<QString>::progressTextChanged, this, &ReportExporter::progressTextChanged);
    connect(m_watcher, &QFutureWatcher<QString>::finished, this, [this] {
        m_busy = false;
        Q_EMIT finished(m_path, m_watcher->future().result());
    });
}

std::optional<ExportRefusal> ReportExporter::start(const QString& path, std::optional<ReportFormat> format)
{
    if (m_busy)
        return ExportRefusal{EBUSY, QStringLiteral("a report is already being written")};
    if (!m_session.latest())
        return ExportRefusal{ENODATA, QStringLiteral("nothing measured yet")};
    const ReportFormat chosen = format ? *format : reportFormatFor({}, path).value_or(ReportFormat::Json);
    const ReportJob job = m_session.reportJob(chosen, QDir::toNativeSeparators(path),
                                              QCoreApplication::arguments().join(QLatin1Char(' ')));
    m_path = path;
    m_busy = true;
    // The whole job (collector copy, system facts, rendering, the write) runs on the thread pool.
    m_watcher->setFuture(QtConcurrent::run([job](QPromise<QString>& promise) {
        promise.setProgressRange(0, 100);
        promise.addResult(QString::fromStdString(runReportJob(
            job, [&promise](int percent, const QString& stage) { promise.setProgressValueAndText(percent, stage); })));
    }));
    return std::nullopt;
}

} // namespace irqscope::ui

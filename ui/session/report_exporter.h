// ReportExporter: writes a report of what the session shows, one at a time, on the thread pool: the job is
// captured from the session on the GUI thread (runReportJob() does the rest), progress and the outcome come back
// as signals. The window only picks the file and shows the progress.
#pragma once

#include "session/report_export.h"

#include <QObject>
#include <QString>

#include <optional>

template<typename T>
class QFutureWatcher;

namespace irqscope::ui {

class MeasurementSession;

// Why an export did not start: an errno for the command log and a one-line reason.
struct ExportRefusal
{
    int error = 0;
    QString message;
};

class ReportExporter final : public QObject
{
    Q_OBJECT
public:
    explicit ReportExporter(const MeasurementSession& session, QObject* parent = nullptr);

    // Starts writing the report to `path` in `format` (by default the one the file name's suffix names, JSON
    // when none matches). Nothing when it started; the refusal when a report is already being written or
    // nothing was measured yet.
    std::optional<ExportRefusal> start(const QString& path, std::optional<ReportFormat> format = std::nullopt);
    // From start() until finished().
    bool busy() const { return m_busy; }

Q_SIGNALS:
    void progressValueChanged(int percent);
    void progressTextChanged(const QString& stage); // "collecting", "rendering", ...
    // `error` is empty when the report was written.
    void finished(const QString& path, const QString& error);

private:
    const MeasurementSession& m_session;
    QFutureWatcher<QString>* m_watcher;
    QString m_path;
    bool m_busy = false;
};

} // namespace irqscope::ui

// The command log dock.
#include "widgets/command_log.h"

#include <QTime>

#include <cstring>

namespace irqscope::ui {

CommandLog::CommandLog(QWidget* parent)
    : QPlainTextEdit(parent)
{
    setReadOnly(true);
    setMaximumBlockCount(kMaxLines);
    setCenterOnScroll(false);
    setLineWrapMode(QPlainTextEdit::WidgetWidth); // a narrow dock must not clip the reason of a failure
    setPlaceholderText(QStringLiteral("Command results appear here"));
}

void CommandLog::addResult(const QString& what, int error, const QString& message)
{
    const QString time = QTime::currentTime().toString(QStringLiteral("HH:mm:ss.zzz"));
    if (error == 0) {
        appendPlainText(time + QStringLiteral("  ") + what + QStringLiteral(": ") + message);
        return;
    }
    const QString text = time + QStringLiteral("  ") + what + QStringLiteral(" failed (") +
                         QString::fromUtf8(strerrorname_np(error) ? strerrorname_np(error) : "error") +
                         QStringLiteral("): ") + message;
    appendHtml(QStringLiteral("<span style=\"color:#d32f2f\">") + text.toHtmlEscaped() + QStringLiteral("</span>"));
}

void CommandLog::addNote(const QString& text)
{
    appendPlainText(QTime::currentTime().toString(QStringLiteral("HH:mm:ss.zzz")) + QStringLiteral("  ") + text);
}

} // namespace irqscope::ui

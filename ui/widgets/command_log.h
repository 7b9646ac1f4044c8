// CommandLog: the dock that lists every command sent to the core thread with the text of its result, errors
// in the palette's error colour; bounded so that a long session does not grow it without limit.
#pragma once

#include <QPlainTextEdit>

namespace irqscope::ui {

class CommandLog final : public QPlainTextEdit
{
    Q_OBJECT
public:
    static constexpr int kMaxLines = 2000;

    explicit CommandLog(QWidget* parent = nullptr);

    void addResult(const QString& what, int error, const QString& message);
    void addNote(const QString& text);
};

} // namespace irqscope::ui

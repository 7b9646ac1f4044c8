// DashboardSettings: what the dashboard keeps between runs, read from and written to QSettings: the window's
// geometry and dock layout, the table's column layout, the splitters, the active-only filter and the engine
// settings. The window gathers and applies it; the keys and defaults live here.
#pragma once

#include "session/measurement_session.h"

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>

class QSettings;

namespace irqscope::ui {

struct DashboardSettings
{
    QByteArray windowGeometry;           // QWidget::saveGeometry()
    QByteArray windowState;              // QMainWindow::saveState(): docks and toolbars
    QByteArray tableHeader;              // the vector table's QHeaderView::saveState()
    QMap<QString, QByteArray> splitters; // QSplitter::saveState() by objectName
    bool activeOnly = false;             // the "active vectors only" filter
    EngineSettings engine;               // the engine panel

    // What `settings` holds (the defaults where it holds nothing), with the splitters named `splitterNames`.
    static DashboardSettings load(QSettings& settings, const QStringList& splitterNames);
    void save(QSettings& settings) const;
};

} // namespace irqscope::ui

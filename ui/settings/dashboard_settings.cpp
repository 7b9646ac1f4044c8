// The keys the dashboard's settings are stored under (window/..., view/..., engine/...).
#include "settings/dashboard_settings.h"

#include <QSettings>

namespace irqscope::ui {

namespace {

QString splitterKey(const QString& name)
{
    return QStringLiteral("window/") + name;
}

} // namespace

DashboardSettings DashboardSettings::load(QSettings& settings, const QStringList& splitterNames)
{
    DashboardSettings s;
    s.windowGeometry = settings.value(QStringLiteral("window/geometry")).toByteArray();
    s.windowState = settings.value(QStringLiteral("window/state")).toByteArray();
    s.tableHeader = settings.value(QStringLiteral("window/tableHeader")).toByteArray();
    for (const QString& name : splitterNames)
        s.splitters.insert(name, settings.value(splitterKey(name)).toByteArray());
    s.activeOnly = settings.value(QStringLiteral("view/activeOnly"), false).toBool();
    s.engine.coreCpu = settings.value(QStringLiteral("engine/coreCpu"), -1).toInt();
    s.engine.fifoPriority = settings.value(QStringLiteral("engine/fifoPriority"), 0).toInt();
    s.engine.mlock = settings.value(QStringLiteral("engine/mlock"), false).toBool();
    s.engine.rateHz = settings.value(QStringLiteral("engine/rateHz"), 1000.0).toDouble();
    s.engine.triggerMode =
        settings.value(QStringLiteral("engine/triggerMode"), QStringLiteral("loopback")).toString() ==
                QStringLiteral("device")
            ? core::TriggerMode::Device
            : core::TriggerMode::Loopback;
    return s;
}

void DashboardSettings::save(QSettings& settings) const
{
    settings.setValue(QStringLiteral("window/geometry"), windowGeometry);
    settings.setValue(QStringLiteral("window/state"), windowState);
    settings.setValue(QStringLiteral("window/tableHeader"), tableHeader);
    for (auto it = splitters.cbegin(); it != splitters.cend(); ++it)
        settings.setValue(splitterKey(it.key()), it.value());
    settings.setValue(QStringLiteral("view/activeOnly"), activeOnly);
    settings.setValue(QStringLiteral("engine/coreCpu"), engine.coreCpu);
    settings.setValue(QStringLiteral("engine/fifoPriority"), engine.fifoPriority);
    settings.setValue(QStringLiteral("engine/mlock"), engine.mlock);
    settings.setValue(QStringLiteral("engine/rateHz"), engine.rateHz);
    settings.setValue(QStringLiteral("engine/triggerMode"), engine.triggerMode == core::TriggerMode::Device
                                                                ? QStringLiteral("device")
                                                                : QStringLiteral("loopback"));
}

} // namespace irqscope::ui

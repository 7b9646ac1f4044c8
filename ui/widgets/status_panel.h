// StatusPanel: the status bar's permanent fields: device, core thread CPU and policy, the instrument floor (irqscope's
// own wake path, docs/benchmarks.md), samples per second, ring drops and the age of the snapshot on show (a stale
// snapshot turns the age red).
#pragma once

#include "stats/snapshot.h"

#include <QObject>

class QLabel;
class QStatusBar;

namespace irqscope::ui {

class StatusPanel final : public QObject
{
    Q_OBJECT
public:
    explicit StatusPanel(QStatusBar* bar);

    void setDevice(const QString& text);
    // A transient engine state shown first ("stopping…"); empty hides it.
    void setState(const QString& text);
    QString stateText() const;
    // `snapshot` may be null; `running` says whether ages should tick.
    void update(const core::Snapshot* snapshot, bool running, int64_t nowNs);

    QString coreText() const;
    QString floorText() const; // "" while hidden (no floor measured: observer mode, an old recording)
    QString samplesText() const;
    QString dropsText() const;
    QString ageText() const;

private:
    QLabel* m_state;
    QLabel* m_device;
    QLabel* m_core;
    QLabel* m_floor;
    QLabel* m_samples;
    QLabel* m_drops;
    QLabel* m_age;
};

} // namespace irqscope::ui

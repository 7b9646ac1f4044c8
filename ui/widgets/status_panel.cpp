// Status bar fields.
#include "widgets/status_panel.h"

#include "engine/instrument_floor.h"
#include "format/display_text.h"

#include <QLabel>
#include <QStatusBar>
#include <QVariant>

#include <algorithm>

namespace irqscope::ui {

namespace {

// Restyles only on a change: a style sheet update re-polishes the widget.
void setAlarm(QLabel* label, bool on)
{
    if (label->property("alarm").toBool() == on)
        return;
    label->setProperty("alarm", on);
    label->setStyleSheet(on ? QStringLiteral("color: #d32f2f") : QString());
}

// Sets a field that changes on every refresh tick without re-laying out the status bar: a label of fixed size does
// not invalidate its parent's layout when its text changes (QWidget::updateGeometry skips a widget whose minimum
// and maximum sizes are equal), so the label is held at a fixed size that only grows, with room to spare, when a
// text no longer fits. The status bar then lays itself out when a field grows, not 30 times a second.
void setSteadyText(QLabel* label, const QString& text)
{
    if (label->text() == text)
        return;
    const QMargins margins = label->contentsMargins();
    const int needed = label->fontMetrics().horizontalAdvance(text) + margins.left() + margins.right();
    if (needed > label->maximumWidth() || label->minimumWidth() != label->maximumWidth()) {
        const int spare = label->fontMetrics().horizontalAdvance(QStringLiteral("0000"));
        label->setFixedWidth(needed + spare);
    }
    label->setText(text);
}

// The fixed height the ticking fields keep: a line of the label's font.
void fixHeight(QLabel* label)
{
    label->setFixedHeight(label->sizeHint().height());
}

} // namespace

StatusPanel::StatusPanel(QStatusBar* bar)
    : QObject(bar)
    , m_state(new QLabel(bar))
    , m_device(new QLabel(bar))
    , m_core(new QLabel(bar))
    , m_floor(new QLabel(bar))
    , m_samples(new QLabel(bar))
    , m_drops(new QLabel(bar))
    , m_age(new QLabel(bar))
{
    m_core->setToolTip(QStringLiteral("CPU the core thread is pinned to, and its scheduling policy"));
    m_floor->setObjectName(QStringLiteral("instrumentFloor"));
    m_floor->setToolTip(QStringLiteral("The instrument floor: irqscope's own wake path, an eventfd it signals itself "
                                       "%1 times a second, in the gaps of the vectors' traffic, and reads through the "
                                       "same io_uring: what irqscope adds to a latency when its core thread wakes from "
                                       "idle. Busy vectors can come in below it.")
                            .arg(core::kInstrumentFloorRateHz));
    m_samples->setToolTip(QStringLiteral("Completions per second drained from the core thread's sample ring"));
    m_drops->setToolTip(QStringLiteral("Samples lost to a full sample ring (counts stay exact; only latency "
                                       "statistics miss them)"));
    m_age->setToolTip(QStringLiteral("Time since the aggregator built the snapshot on show"));
    m_state->setObjectName(QStringLiteral("engineState"));
    m_state->setStyleSheet(QStringLiteral("font-weight: bold"));
    m_state->hide();
    for (QLabel* label : {m_state, m_device, m_core, m_floor, m_samples, m_drops, m_age}) {
        label->setContentsMargins(6, 0, 6, 0);
        bar->addPermanentWidget(label);
    }
    for (QLabel* label : {m_core, m_floor, m_samples, m_drops, m_age})
        fixHeight(label);
    update(nullptr, false, 0);
}

void StatusPanel::setState(const QString& text)
{
    m_state->setText(text);
    m_state->setVisible(!text.isEmpty());
}

QString StatusPanel::stateText() const
{
    return m_state->isHidden() ? QString() : m_state->text();
}

void StatusPanel::setDevice(const QString& text)
{
    m_device->setText(text);
}

void StatusPanel::update(const core::Snapshot* snapshot, bool running, int64_t nowNs)
{
    if (!snapshot) {
        setSteadyText(m_core, QStringLiteral("core: not running"));
        setSteadyText(m_samples, QStringLiteral("samples/s: —"));
        setSteadyText(m_drops, QStringLiteral("ring drops: —"));
        setSteadyText(m_age, QStringLiteral("snapshot: —"));
        m_floor->hide();
        return;
    }
    const auto& e = snapshot->engine;
    // Nothing rather than 0 where no floor is measured (observer mode, a recording made before it existed).
    if (const auto& f = snapshot->floor; f.count > 0) {
        setSteadyText(
            m_floor,
            QStringLiteral("instrument floor: p50 %1, p99 %2").arg(formatLatency(f.p50Ns), formatLatency(f.p99Ns)));
        m_floor->show();
    } else {
        m_floor->hide();
    }
    if (snapshot->observed)
        setSteadyText(m_core, QStringLiteral("core: none (observing /proc/interrupts)"));
    else
        setSteadyText(m_core,
                      running ? QStringLiteral("core: CPU %1 %2").arg(e.coreCpu).arg(QString::fromStdString(e.policy))
                              : QStringLiteral("core: stopped"));
    setSteadyText(m_samples, QStringLiteral("samples/s: ") + formatRate(snapshot->samplesPerSec));
    setSteadyText(m_drops, QStringLiteral("ring drops: ") + QString::number(e.ringDrops));
    setAlarm(m_drops, e.ringDrops != 0);
    if (!running) {
        setSteadyText(m_age, QStringLiteral("snapshot: final"));
        setAlarm(m_age, false);
        return;
    }
    const int64_t ageNs = std::max<int64_t>(0, nowNs - snapshot->monotonicNs);
    setSteadyText(m_age, QStringLiteral("snapshot age: ") + formatLatency(ageNs));
    // The observer samples once a second, the aggregator 30 times: stale is a few periods late.
    setAlarm(m_age, ageNs > (snapshot->observed ? 2'500'000'000 : 500'000'000));
}

QString StatusPanel::coreText() const
{
    return m_core->text();
}
QString StatusPanel::floorText() const
{
    return m_floor->isHidden() ? QString() : m_floor->text();
}
QString StatusPanel::samplesText() const
{
    return m_samples->text();
}
QString StatusPanel::dropsText() const
{
    return m_drops->text();
}
QString StatusPanel::ageText() const
{
    return m_age->text();
}

} // namespace irqscope::ui

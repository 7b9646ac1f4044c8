// Trigger and core-thread settings.
#include "widgets/engine_settings_panel.h"

#include "engine/cpu_setup.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTimer>

#include <algorithm>

namespace irqscope::ui {

EngineSettingsPanel::EngineSettingsPanel(QWidget* parent)
    : QWidget(parent)
    , m_mode(new QComboBox(this))
    , m_rate(new QDoubleSpinBox(this))
    , m_cpu(new QSpinBox(this))
    , m_fifo(new QSpinBox(this))
    , m_mlock(new QCheckBox(QStringLiteral("Lock memory (mlockall)"), this))
    , m_rateDebounce(new QTimer(this))
{
    m_mode->setObjectName(QStringLiteral("triggerMode"));
    m_mode->addItem(QStringLiteral("Loopback (VFIO trigger)"), static_cast<int>(core::TriggerMode::Loopback));
    m_mode->addItem(QStringLiteral("Device (register write)"), static_cast<int>(core::TriggerMode::Device));
    m_mode->setToolTip(QStringLiteral("Loopback: SET_IRQS DATA_NONE|ACTION_TRIGGER signals the eventfd.\n"
                                      "Device: the device profile's register write makes the device raise it."));
    m_rate->setObjectName(QStringLiteral("triggerRate"));
    m_rate->setRange(0.1, 1e7);
    m_rate->setDecimals(1);
    m_rate->setSuffix(QStringLiteral(" Hz"));
    m_rate->setValue(1000);
    m_rate->setToolTip(QStringLiteral("Triggers per second per vector when triggering continuously"));
    const auto cpus = core::allowedCpus();
    m_cpu->setObjectName(QStringLiteral("coreCpu"));
    m_cpu->setRange(-1, cpus.empty() ? 0 : *std::max_element(cpus.begin(), cpus.end()));
    m_cpu->setSpecialValueText(QStringLiteral("first allowed"));
    m_cpu->setValue(-1);
    m_cpu->setToolTip(QStringLiteral("CPU the core thread is pinned to (applied on start)"));
    m_fifo->setObjectName(QStringLiteral("fifoPriority"));
    m_fifo->setRange(0, 99);
    m_fifo->setSpecialValueText(QStringLiteral("SCHED_OTHER"));
    m_fifo->setPrefix(QStringLiteral("SCHED_FIFO "));
    m_fifo->setToolTip(QStringLiteral("Real-time priority of the core thread (needs CAP_SYS_NICE; applied on start)"));
    m_mlock->setToolTip(QStringLiteral("mlockall(MCL_CURRENT | MCL_FUTURE) before arming (applied on start)"));

    auto* form = new QFormLayout(this);
    form->addRow(QStringLiteral("Trigger &mode"), m_mode);
    form->addRow(QStringLiteral("&Rate"), m_rate);
    auto* note = new QLabel(QStringLiteral("<i>Applied on start:</i>"), this);
    form->addRow(note);
    form->addRow(QStringLiteral("Core &CPU"), m_cpu);
    form->addRow(QStringLiteral("&Scheduling"), m_fifo);
    form->addRow(m_mlock);

    m_rateDebounce->setSingleShot(true);
    m_rateDebounce->setInterval(300);
    connect(m_rateDebounce, &QTimer::timeout, this, [this] { Q_EMIT rateChanged(m_rate->value()); });
    connect(m_rate, &QDoubleSpinBox::valueChanged, m_rateDebounce, qOverload<>(&QTimer::start));
    connect(m_mode, &QComboBox::activated, this,
            [this] { Q_EMIT triggerModeChanged(static_cast<core::TriggerMode>(m_mode->currentData().toInt())); });
}

EngineSettings EngineSettingsPanel::settings() const
{
    EngineSettings s;
    s.coreCpu = m_cpu->value();
    s.fifoPriority = m_fifo->value();
    s.mlock = m_mlock->isChecked();
    s.triggerMode = static_cast<core::TriggerMode>(m_mode->currentData().toInt());
    s.rateHz = m_rate->value();
    return s;
}

void EngineSettingsPanel::setSettings(const EngineSettings& s)
{
    const QSignalBlocker blockRate(m_rate);
    m_cpu->setValue(s.coreCpu);
    m_fifo->setValue(s.fifoPriority);
    m_mlock->setChecked(s.mlock);
    const int mode = m_mode->findData(static_cast<int>(s.triggerMode));
    if (mode >= 0)
        m_mode->setCurrentIndex(mode);
    m_rate->setValue(s.rateHz);
}

void EngineSettingsPanel::setDeviceTriggerAvailable(bool available, const QString& whyNot)
{
    auto* model = qobject_cast<QStandardItemModel*>(m_mode->model());
    QStandardItem* item = model->item(m_mode->findData(static_cast<int>(core::TriggerMode::Device)));
    item->setEnabled(available);
    item->setToolTip(available ? QString() : whyNot);
    if (!available && m_mode->currentData().toInt() == static_cast<int>(core::TriggerMode::Device))
        m_mode->setCurrentIndex(m_mode->findData(static_cast<int>(core::TriggerMode::Loopback)));
}

void EngineSettingsPanel::setControlsEnabled(bool enabled, const QString& whyNot)
{
    for (QWidget* w : std::initializer_list<QWidget*>{m_mode, m_rate, m_cpu, m_fifo, m_mlock}) {
        if (!w->property("baseToolTip").isValid())
            w->setProperty("baseToolTip", w->toolTip());
        w->setEnabled(enabled);
        w->setToolTip(enabled ? w->property("baseToolTip").toString() : whyNot);
    }
}

} // namespace irqscope::ui

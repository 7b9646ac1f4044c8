// EngineSettingsPanel: the dock where the user picks how vectors are fired (trigger mode, rate) and how the
// core thread runs (CPU, SCHED_FIFO priority, mlockall). Mode and rate apply at once to a running engine;
// CPU and scheduling apply at the next start, which the panel says.
#pragma once

#include "session/measurement_session.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QSpinBox;
class QTimer;

namespace irqscope::ui {

class EngineSettingsPanel final : public QWidget
{
    Q_OBJECT
public:
    explicit EngineSettingsPanel(QWidget* parent = nullptr);

    EngineSettings settings() const;
    void setSettings(const EngineSettings& settings);
    // Device triggers need a profile that can raise vectors; otherwise the choice is disabled with the reason.
    void setDeviceTriggerAvailable(bool available, const QString& whyNot);
    void setControlsEnabled(bool enabled, const QString& whyNot);

Q_SIGNALS:
    void triggerModeChanged(core::TriggerMode mode);
    // Debounced: emitted 300 ms after the last edit, not on every keystroke.
    void rateChanged(double hz);

private:
    QComboBox* m_mode;
    QDoubleSpinBox* m_rate;
    QSpinBox* m_cpu;
    QSpinBox* m_fifo;
    QCheckBox* m_mlock;
    QTimer* m_rateDebounce;
};

} // namespace irqscope::ui

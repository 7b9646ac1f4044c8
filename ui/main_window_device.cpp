// Opening what the dashboard shows: a device irqscope drives, a device another process owns (observed), or a
// recording (replayed); each resets the view first.
#include "main_window.h"

#include "charts/histogram_chart.h"
#include "charts/percentile_chart.h"
#include "charts/time_series_chart.h"
#include "models/vector_table_model.h"
#include "vfio/discovery.h"
#include "widgets/command_log.h"
#include "widgets/engine_settings_panel.h"
#include "widgets/status_panel.h"

#include <array>

namespace irqscope::ui {

void MainWindow::resetView()
{
    m_session.close();
    m_shown.reset();
    m_slowPending = false;
    m_slowShownNs = 0; // the next device's first snapshot shows at once
    m_charted.clear();
    m_rearm.clear();
    m_retrigger.clear();
    m_model->setVectors({});
    m_history.reset(0);
    showBanner({}, false);
    m_latencyChart->chart()->setTitle(m_latencyTitle);
    m_histogramChart->chart()->setTitle(m_histogramTitle);
    m_percentileChart->chart()->setTitle(m_percentileTitle);
    showObservedColumnsOnly(false);
}

bool MainWindow::openDevice(const QString& device, const QString& profilePath, const QString& vfToken)
{
    core::DeviceRequest request;
    request.device = device.toStdString();
    request.profilePath = profilePath.toStdString();
    request.vfToken = vfToken.toStdString();
    return openDevice(request);
}

bool MainWindow::openDevice(const core::DeviceRequest& request)
{
    const QString device = QString::fromStdString(request.device);
    resetView();
    m_status->setDevice(device);

    // A PCI device: look before opening. One another process owns (usually QEMU) is observed, not opened.
    std::optional<core::DiscoveredDevice> described;
    if (auto bdf = core::normalizeBdf(request.device))
        described = describeDevice(*bdf, m_roots);
    if (described && !described->owner.empty()) {
        observeDevice(*described);
        return m_session.running();
    }
    QString error = m_session.open(request);
    if (!error.isEmpty()) {
        // Say why in discovery's words when it knows (not bound to vfio-pci, no permission, ...). Discovery opens
        // without a VF token, so with one given the open's own error is the one that counts.
        if (described && !described->problem.empty() && request.vfToken.empty())
            error = QString::fromStdString(described->problem);
        showBanner(QStringLiteral("Cannot open %1: %2").arg(device, error), false);
        m_log->addNote(QStringLiteral("open %1 failed: %2").arg(device, error));
        updateActions();
        return false;
    }
    setWindowTitle(QStringLiteral("irqscope — %1").arg(m_session.deviceDescription()));
    m_status->setDevice(m_session.deviceId());
    m_model->setVectors(m_session.slots());
    m_history.reset(m_session.slots().size());
    m_settingsPanel->setDeviceTriggerAvailable(
        m_session.deviceCanRaise(),
        QStringLiteral("The device profile '%1' does not say how to raise any vector: use loopback, or "
                       "--profile with a profile that does")
            .arg(QString::fromStdString(m_session.profile().name)));
    m_log->addNote(QStringLiteral("opened %1 (profile %2)")
                       .arg(m_session.deviceDescription(), QString::fromStdString(m_session.profile().name)));

    // The simulated device is for looking around: start measuring its first MSI-X vectors at once. A real
    // device is never armed without the user asking.
    if (device == QStringLiteral("sim")) {
        const uint32_t msix = m_session.slots().count(core::IrqIndex::Msix);
        if (msix) {
            m_rearm = {{core::IrqIndex::Msix, 0, std::min<uint32_t>(msix, 8)}};
            m_retrigger = m_rearm;
        }
    }
    startEngine();
    return m_session.running();
}

void MainWindow::observeDevice(const core::DiscoveredDevice& device)
{
    const QString bdf = QString::fromStdString(device.bdf);
    std::array<uint32_t, core::kNumPciIrqIndexes> counts{};
    for (uint32_t i = 0; i < core::kNumPciIrqIndexes; ++i)
        counts[i] = device.irqs[i].count;
    core::DeviceOwner owner;
    owner.name = device.owner;
    owner.pid = device.ownerPid;
    owner.vm = device.ownerVm;
    const QString error =
        m_session.observe(bdf, QString::fromStdString(m_roots.proc), owner, core::VectorSlots(counts));
    if (!error.isEmpty()) {
        showBanner(QStringLiteral("Cannot observe %1: %2").arg(bdf, error), false);
        updateActions();
        return;
    }
    setWindowTitle(QStringLiteral("irqscope — %1").arg(m_session.deviceDescription()));
    m_status->setDevice(bdf);
    m_model->setVectors(m_session.slots());
    m_history.reset(m_session.slots().size());
    m_history.clear();
    showBanner(QStringLiteral("observing: owned by %1 (pid %2). Interrupt rates, host IRQs and CPUs come from "
                              "/proc/interrupts; arming, triggering and masking need the device, so they are "
                              "disabled.")
                   .arg(QString::fromStdString(device.owner), QString::number(device.ownerPid)),
               true);
    // Nothing is fired, so nothing is timed: say so where the latency would be (short: the title must fit).
    const QString none = QStringLiteral(" — not measured while observing");
    m_latencyChart->chart()->setTitle(QStringLiteral("Latency") + none);
    m_histogramChart->chart()->setTitle(QStringLiteral("Latency histogram") + none);
    m_percentileChart->chart()->setTitle(QStringLiteral("Latency by percentile") + none);
    showObservedColumnsOnly(true);
    m_log->addNote(QStringLiteral("observing %1, owned by %2 (pid %3)")
                       .arg(bdf, QString::fromStdString(device.owner), QString::number(device.ownerPid)));
    updateActions();
}

bool MainWindow::openRecording(const QString& path, double speed)
{
    resetView();
    const QString error = m_session.openRecording(path, speed);
    if (!error.isEmpty()) {
        showBanner(QStringLiteral("Cannot open the recording: %1").arg(error), false);
        m_log->addNote(QStringLiteral("open recording %1 failed: %2").arg(path, error));
        updateActions();
        return false;
    }
    setWindowTitle(QStringLiteral("irqscope — %1").arg(m_session.deviceDescription()));
    m_status->setDevice(m_session.deviceId() + QStringLiteral(" (recording)"));
    m_model->setVectors(m_session.slots());
    m_history.reset(m_session.slots().size());
    m_history.clear();
    m_log->addNote(QStringLiteral("replaying %1 (%2 samples)")
                       .arg(path, QString::number(m_session.replay()->recording().sampleCount)));
    tick(); // the banner and the first snapshot
    updateActions();
    return true;
}

void MainWindow::updateHostNote()
{
    // Host IRQ and CPU are real only for a real device's vfio vectors; say why a cell is empty.
    const bool sim =
        m_session.simulated() || (m_session.mode() == SessionMode::Replay && m_session.request().device == "sim");
    m_model->setHostNote(sim ? QStringLiteral("not a host interrupt: simulated device")
                             : QStringLiteral("no vfio entry for this vector in /proc/interrupts (not armed, or "
                                              "the kernel named it differently)"));
}

} // namespace irqscope::ui

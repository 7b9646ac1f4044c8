// irqscope-gui: the Qt dashboard's entry point. Parses --device, --profile, --vf-token and --recording, restores
// the window and opens the device (the simulated one by default) or replays the recording.
#include "device/open_device.h"
#include "main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

#include <cstdio>

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("irqscope-gui"));
    QApplication::setOrganizationName(QStringLiteral("irqscope"));
    QApplication::setApplicationVersion(QStringLiteral(IRQSCOPE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("irqscope-gui"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Real-time interrupt latency dashboard for VFIO devices (and the built-in simulated one)"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption device({QStringLiteral("d"), QStringLiteral("device")},
                                    QStringLiteral("sim, or the PCI address of a device bound to vfio-pci"),
                                    QStringLiteral("BDF|sim"), QStringLiteral("sim"));
    const QCommandLineOption profile(QStringLiteral("profile"),
                                     QStringLiteral("Device profile file (how to raise and ack vectors)"),
                                     QStringLiteral("FILE"));
    const QCommandLineOption vfToken(
        QStringLiteral("vf-token"),
        QStringLiteral("SR-IOV VF token to open a VF whose PF is bound to vfio-pci (the UUID the PF's owner set)"),
        QStringLiteral("UUID"));
    const QCommandLineOption recording(QStringLiteral("recording"),
                                       QStringLiteral("Replay a recording (irqscope run --record FILE), read-only"),
                                       QStringLiteral("FILE"));
    const QCommandLineOption speed(QStringLiteral("replay-speed"),
                                   QStringLiteral("Replay speed factor for --recording (0: as fast as possible)"),
                                   QStringLiteral("X"), QStringLiteral("1"));
    const QCommandLineOption sysfsRoot(QStringLiteral("sysfs-root"),
                                       QStringLiteral("sysfs tree the device picker reads (a fake tree for tests)"),
                                       QStringLiteral("DIR"), QStringLiteral("/sys"));
    const QCommandLineOption procRoot(QStringLiteral("proc-root"),
                                      QStringLiteral("procfs tree for owners and observer mode (a recorded tree)"),
                                      QStringLiteral("DIR"), QStringLiteral("/proc"));
    parser.addOptions({device, profile, vfToken, recording, speed, sysfsRoot, procRoot});
    parser.process(app);

    bool speedOk = false;
    const double replaySpeed = parser.value(speed).toDouble(&speedOk);
    if (!speedOk || replaySpeed < 0) {
        std::fprintf(stderr, "irqscope-gui: error: --replay-speed wants a number >= 0 (1: recorded pace)\n");
        return 2;
    }
    if (parser.isSet(recording) && parser.isSet(device)) {
        std::fprintf(stderr, "irqscope-gui: error: --recording and --device exclude each other: pick one\n");
        return 2;
    }

    // A malformed token or one for the simulated device is refused before the window opens anything.
    if (const auto error = irqscope::core::vfTokenRequestError(parser.value(device).toStdString(),
                                                               parser.value(vfToken).toStdString());
        !error.empty()) {
        std::fprintf(stderr, "irqscope-gui: error: %s\n", error.c_str());
        return 2;
    }

    irqscope::ui::MainWindow window;
    irqscope::ui::DeviceRoots roots;
    roots.sysfs = parser.value(sysfsRoot).toStdString();
    roots.proc = parser.value(procRoot).toStdString();
    window.setDeviceRoots(roots);
    window.show();
    if (parser.isSet(recording))
        window.openRecording(parser.value(recording), replaySpeed);
    else
        window.openDevice(parser.value(device), parser.value(profile), parser.value(vfToken));
    return app.exec();
}

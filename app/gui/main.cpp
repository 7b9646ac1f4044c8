// irqscope-gui: the Qt dashboard's entry point. Parses --device and --profile, restores the window and opens
// the device (the simulated one by default).
#include "main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

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
    parser.addOption(device);
    parser.addOption(profile);
    parser.process(app);

    irqscope::ui::MainWindow window;
    window.show();
    window.openDevice(parser.value(device), parser.value(profile));
    return app.exec();
}

// irqscope_ui_tests: runs the UI suites (all, or the one named by --suite NAME) under one QApplication, with a
// throw-away settings directory so a developer's saved window state never leaks into a test.
#include "ui_test_suites.h"

#include <QApplication>
#include <QByteArray>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <functional>
#include <utility>
#include <vector>

int main(int argc, char** argv)
{
    QTemporaryDir config;
    qputenv("XDG_CONFIG_HOME", config.path().toLocal8Bit());
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("irqscope-tests"));
    QApplication::setApplicationName(QStringLiteral("irqscope_ui_tests"));

    using namespace irqscope::ui::test;
    const std::vector<std::pair<const char*, std::function<std::unique_ptr<QObject>()>>> suites = {
        {"models", makeModelTests},     {"dashboard", makeDashboardTests}, {"screenshot", makeScreenshotTests},
        {"sessions", makeSessionTests}, {"devices", makeDeviceTests},      {"actions", makeActionStateTests},
        {"settings", makeSettingsTests}};

    // --suite NAME picks one suite; every other argument goes to QTest (e.g. a test function name).
    const char* only = nullptr;
    std::vector<char*> args{argv[0]};
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--suite") == 0 && i + 1 < argc)
            only = argv[++i];
        else
            args.push_back(argv[i]);
    }
    int failures = 0;
    for (const auto& [name, make] : suites) {
        if (only && std::strcmp(only, name) != 0)
            continue;
        auto suite = make();
        failures += QTest::qExec(suite.get(), static_cast<int>(args.size()), args.data());
    }
    return failures ? 1 : 0;
}

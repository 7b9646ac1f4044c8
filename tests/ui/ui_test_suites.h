// The UI test suites, each a QTest object run by main.cpp (one CTest test per suite).
#pragma once

#include <QObject>

#include <memory>

namespace irqscope::ui::test {

std::unique_ptr<QObject> makeModelTests();
std::unique_ptr<QObject> makeDashboardTests();
std::unique_ptr<QObject> makeScreenshotTests();
std::unique_ptr<QObject> makeSessionTests();
std::unique_ptr<QObject> makeDeviceTests();
std::unique_ptr<QObject> makeActionStateTests();
std::unique_ptr<QObject> makeSettingsTests();

} // namespace irqscope::ui::test

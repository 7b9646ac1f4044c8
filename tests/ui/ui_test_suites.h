// The UI test suites, each a QTest object run by main.cpp (one CTest test per suite).
#pragma once

#include <QObject>

#include <memory>

namespace irqscope::ui::test {

std::unique_ptr<QObject> makeModelTests();
std::unique_ptr<QObject> makeDashboardTests();
std::unique_ptr<QObject> makeScreenshotTests();

} // namespace irqscope::ui::test

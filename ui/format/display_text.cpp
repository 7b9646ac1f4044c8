// Number and name formatting shared by the table, the charts and the status bar.
#include "format/display_text.h"

#include <cmath>

namespace irqscope::ui {

namespace {

QString threeDigits(double value)
{
    if (value >= 100)
        return QString::number(value, 'f', 0);
    if (value >= 10)
        return QString::number(value, 'f', 1);
    return QString::number(value, 'f', 2);
}

} // namespace

QString formatLatency(int64_t ns, bool haveSamples)
{
    if (!haveSamples)
        return QStringLiteral("—");
    const double v = static_cast<double>(ns);
    if (std::abs(v) < 1e3)
        return QString::number(ns) + QStringLiteral(" ns");
    if (std::abs(v) < 1e6)
        return threeDigits(v / 1e3) + QStringLiteral(" µs");
    if (std::abs(v) < 1e9)
        return threeDigits(v / 1e6) + QStringLiteral(" ms");
    return threeDigits(v / 1e9) + QStringLiteral(" s");
}

QString formatRate(double hz)
{
    if (hz < 10000)
        return QString::number(hz, 'f', 0);
    if (hz < 1e6)
        return threeDigits(hz / 1e3) + QStringLiteral(" k");
    return threeDigits(hz / 1e6) + QStringLiteral(" M");
}

QString indexLabel(core::IrqIndex index)
{
    switch (index) {
    case core::IrqIndex::Intx:
        return QStringLiteral("INTx");
    case core::IrqIndex::Msi:
        return QStringLiteral("MSI");
    case core::IrqIndex::Msix:
        return QStringLiteral("MSI-X");
    case core::IrqIndex::Err:
        return QStringLiteral("ERR");
    case core::IrqIndex::Req:
        return QStringLiteral("REQ");
    }
    return QStringLiteral("?");
}

QString vectorLabel(core::VectorId id)
{
    return QString::fromStdString(core::vectorName(id));
}

} // namespace irqscope::ui

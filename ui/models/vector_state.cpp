// State classification and its colours/icons (cached per state: building a QIcon allocates).
#include "models/vector_state.h"

#include "engine/vector_counters.h"

#include <QPainter>
#include <QPixmap>

#include <array>

namespace irqscope::ui {

namespace vs = core::vstate;

VectorState classifyState(uint32_t bits)
{
    if (bits & vs::kStuck)
        return VectorState::Stuck;
    if (bits & vs::kPending)
        return VectorState::Pending;
    if (bits & vs::kUserMasked)
        return VectorState::Masked;
    if (bits & vs::kAutomasked)
        return VectorState::Automasked;
    if (!(bits & vs::kArmed))
        return VectorState::Disarmed;
    return (bits & vs::kTriggering) ? VectorState::Triggering : VectorState::Armed;
}

QString stateName(VectorState state)
{
    switch (state) {
    case VectorState::Disarmed:
        return QStringLiteral("disarmed");
    case VectorState::Armed:
        return QStringLiteral("armed");
    case VectorState::Triggering:
        return QStringLiteral("triggering");
    case VectorState::Masked:
        return QStringLiteral("masked");
    case VectorState::Automasked:
        return QStringLiteral("automasked");
    case VectorState::Pending:
        return QStringLiteral("pending");
    case VectorState::Stuck:
        return QStringLiteral("stuck");
    }
    return {};
}

QString stateLabel(uint32_t bits)
{
    const VectorState primary = classifyState(bits);
    QString text = stateName(primary);
    // A pending vector is also masked: say both, so "masked" is visible whatever else is going on.
    if (primary == VectorState::Pending || primary == VectorState::Stuck) {
        if (bits & vs::kUserMasked)
            text += QStringLiteral(" · masked");
        else if (bits & vs::kAutomasked)
            text += QStringLiteral(" · automasked");
    }
    return text;
}

QColor stateColor(VectorState state)
{
    switch (state) {
    case VectorState::Disarmed:
        return QColor(0x9e, 0x9e, 0x9e);
    case VectorState::Armed:
        return QColor(0x64, 0xb5, 0xf6);
    case VectorState::Triggering:
        return QColor(0x43, 0xa0, 0x47);
    case VectorState::Masked:
    case VectorState::Automasked:
        return QColor(0xff, 0xa0, 0x00);
    case VectorState::Pending:
        return QColor(0xf5, 0x7c, 0x00);
    case VectorState::Stuck:
        return QColor(0xe5, 0x39, 0x35);
    }
    return {};
}

const QIcon& stateIcon(VectorState state)
{
    static const std::array<QIcon, 7> icons = [] {
        std::array<QIcon, 7> out;
        for (int i = 0; i < 7; ++i) {
            QPixmap pixmap(16, 16);
            pixmap.fill(Qt::transparent);
            QPainter painter(&pixmap);
            painter.setRenderHint(QPainter::Antialiasing);
            const QColor color = stateColor(static_cast<VectorState>(i));
            painter.setPen(color.darker(130));
            painter.setBrush(color);
            painter.drawEllipse(QRectF(2.5, 2.5, 11, 11));
            painter.end();
            out[static_cast<std::size_t>(i)] = QIcon(pixmap);
        }
        return out;
    }();
    return icons[static_cast<std::size_t>(state)];
}

} // namespace irqscope::ui

// Palette-following chart style.
#include "charts/chart_style.h"

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QPalette>

#include <array>

namespace irqscope::ui {

QColor seriesColor(int i)
{
    // Colour-blind safe (Okabe-Ito), then repeat.
    static const std::array<QColor, kMaxChartedVectors> colors = {
        QColor(0x00, 0x72, 0xb2), QColor(0xe6, 0x9f, 0x00), QColor(0x00, 0x9e, 0x73), QColor(0xd5, 0x5e, 0x00),
        QColor(0xcc, 0x79, 0xa7), QColor(0x56, 0xb4, 0xe9), QColor(0x80, 0x80, 0x80), QColor(0xf0, 0xe4, 0x42)};
    return colors[static_cast<std::size_t>(i) % colors.size()];
}

void styleChart(QChartView* view)
{
    QChart* chart = view->chart();
    const QPalette palette = QApplication::palette();
    const bool dark = palette.color(QPalette::Window).lightness() < 128;
    chart->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setBackgroundBrush(palette.color(QPalette::Base));
    chart->setBackgroundRoundness(0);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->setTitleBrush(palette.color(QPalette::WindowText));
    chart->legend()->setLabelColor(palette.color(QPalette::WindowText));
    chart->legend()->setAlignment(Qt::AlignRight);
    view->setRenderHint(QPainter::Antialiasing, false); // straight segments; cheaper, and crisp at 1 px
    view->setBackgroundBrush(palette.color(QPalette::Window));
}

} // namespace irqscope::ui

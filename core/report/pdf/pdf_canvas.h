// CairoCanvas: a Canvas drawing on a cairo context (the PDF report's pages).
#pragma once

#include "report/chart_canvas.h"

#include <cairo.h>

namespace irqscope::core {

class CairoCanvas final : public Canvas
{
public:
    explicit CairoCanvas(cairo_t* cr)
        : m_cr(cr)
    {}
    void line(double x1, double y1, double x2, double y2, Color color, double width, bool dashed = false) override;
    void rect(double x, double y, double w, double h, std::optional<Color> fill, std::optional<Color> stroke) override;
    void polyline(const std::vector<std::pair<double, double>>& points, Color color, double width) override;
    void text(double x, double y, const std::string& text, double size, Color color, Anchor anchor = Anchor::Start,
              bool bold = false) override;
    double textWidth(const std::string& text, double size, bool bold);

private:
    void setColor(Color c);
    void setFont(double size, bool bold);
    cairo_t* m_cr;
};

} // namespace irqscope::core

// SvgCanvas: a Canvas that builds one inline <svg> element (no external references).
#pragma once

#include "report/chart_canvas.h"

#include <string>

namespace irqscope::core {

class SvgCanvas final : public Canvas
{
public:
    SvgCanvas(double width, double height);
    void line(double x1, double y1, double x2, double y2, Color color, double width, bool dashed = false) override;
    void rect(double x, double y, double w, double h, std::optional<Color> fill, std::optional<Color> stroke) override;
    void polyline(const std::vector<std::pair<double, double>>& points, Color color, double width) override;
    void text(double x, double y, const std::string& text, double size, Color color, Anchor anchor = Anchor::Start,
              bool bold = false) override;
    // The finished element.
    std::string svg() const;

private:
    double m_width, m_height;
    std::string m_body;
};

// HTML/XML text escaping (&, <, >, ").
std::string xmlEscape(const std::string& text);

} // namespace irqscope::core

// CairoCanvas: Canvas primitives as cairo paths and toy-API text (DejaVu Sans).
#include "report/pdf/pdf_canvas.h"

namespace irqscope::core {

void CairoCanvas::setColor(Color c)
{
    cairo_set_source_rgb(m_cr, c.r / 255.0, c.g / 255.0, c.b / 255.0);
}

void CairoCanvas::setFont(double size, bool bold)
{
    cairo_select_font_face(m_cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(m_cr, size);
}

void CairoCanvas::line(double x1, double y1, double x2, double y2, Color color, double width, bool dashed)
{
    const double dash[] = {4, 3};
    cairo_set_dash(m_cr, dash, dashed ? 2 : 0, 0);
    setColor(color);
    cairo_set_line_width(m_cr, width);
    cairo_move_to(m_cr, x1, y1);
    cairo_line_to(m_cr, x2, y2);
    cairo_stroke(m_cr);
    cairo_set_dash(m_cr, nullptr, 0, 0);
}

void CairoCanvas::rect(double x, double y, double w, double h, std::optional<Color> fill, std::optional<Color> stroke)
{
    cairo_rectangle(m_cr, x, y, w, h);
    if (fill) {
        setColor(*fill);
        if (stroke)
            cairo_fill_preserve(m_cr);
        else
            cairo_fill(m_cr);
    }
    if (stroke) {
        setColor(*stroke);
        cairo_set_line_width(m_cr, 0.8);
        cairo_stroke(m_cr);
    }
    cairo_new_path(m_cr);
}

void CairoCanvas::polyline(const std::vector<std::pair<double, double>>& points, Color color, double width)
{
    if (points.empty())
        return;
    setColor(color);
    cairo_set_line_width(m_cr, width);
    cairo_set_line_join(m_cr, CAIRO_LINE_JOIN_ROUND);
    cairo_move_to(m_cr, points[0].first, points[0].second);
    for (std::size_t i = 1; i < points.size(); ++i)
        cairo_line_to(m_cr, points[i].first, points[i].second);
    cairo_stroke(m_cr);
}

double CairoCanvas::textWidth(const std::string& text, double size, bool bold)
{
    setFont(size, bold);
    cairo_text_extents_t ext;
    cairo_text_extents(m_cr, text.c_str(), &ext);
    return ext.x_advance;
}

void CairoCanvas::text(double x, double y, const std::string& text, double size, Color color, Anchor anchor, bool bold)
{
    const double w = anchor == Anchor::Start ? 0 : textWidth(text, size, bold);
    setFont(size, bold);
    setColor(color);
    cairo_move_to(m_cr, anchor == Anchor::Start ? x : anchor == Anchor::Middle ? x - w / 2 : x - w, y);
    cairo_show_text(m_cr, text.c_str());
    cairo_new_path(m_cr);
}

} // namespace irqscope::core

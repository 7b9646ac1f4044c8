// SvgCanvas: SVG elements with fixed-precision coordinates (byte-stable output).
#include "report/svg_canvas.h"

#include <fmt/format.h>

namespace irqscope::core {

namespace {

std::string rgb(Color c)
{
    return fmt::format("#{:02x}{:02x}{:02x}", c.r, c.g, c.b);
}

} // namespace

Color seriesColor(std::size_t index)
{
    static constexpr Color palette[] = {{31, 119, 180},  {255, 127, 14}, {44, 160, 44},   {214, 39, 40},
                                        {148, 103, 189}, {140, 86, 75},  {227, 119, 194}, {23, 190, 207}};
    return palette[index % std::size(palette)];
}

std::string xmlEscape(const std::string& text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

SvgCanvas::SvgCanvas(double width, double height)
    : m_width(width)
    , m_height(height)
{}

void SvgCanvas::line(double x1, double y1, double x2, double y2, Color color, double width, bool dashed)
{
    m_body +=
        fmt::format(R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="{:.1f}"{}/>)",
                    x1, y1, x2, y2, rgb(color), width, dashed ? R"( stroke-dasharray="4 3")" : "");
    m_body += '\n';
}

void SvgCanvas::rect(double x, double y, double w, double h, std::optional<Color> fill, std::optional<Color> stroke)
{
    m_body += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}" stroke="{}"/>)", x, y,
                          w, h, fill ? rgb(*fill) : "none", stroke ? rgb(*stroke) : "none");
    m_body += '\n';
}

void SvgCanvas::polyline(const std::vector<std::pair<double, double>>& points, Color color, double width)
{
    if (points.empty())
        return;
    std::string pts;
    for (const auto& [x, y] : points)
        pts += fmt::format("{}{:.1f},{:.1f}", pts.empty() ? "" : " ", x, y);
    m_body +=
        fmt::format(R"(<polyline points="{}" fill="none" stroke="{}" stroke-width="{:.1f}"/>)", pts, rgb(color), width);
    m_body += '\n';
}

void SvgCanvas::text(double x, double y, const std::string& text, double size, Color color, Anchor anchor, bool bold)
{
    const char* a = anchor == Anchor::Start ? "start" : anchor == Anchor::Middle ? "middle" : "end";
    m_body += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="{:.1f}" fill="{}" text-anchor="{}"{}>{}</text>)", x,
                          y, size, rgb(color), a, bold ? R"( font-weight="bold")" : "", xmlEscape(text));
    m_body += '\n';
}

std::string SvgCanvas::svg() const
{
    return fmt::format(
               R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0:.0f}" height="{1:.0f}" viewBox="0 0 {0:.0f} {1:.0f}" font-family="DejaVu Sans, Arial, sans-serif">)",
               m_width, m_height) +
           "\n" + m_body + "</svg>\n";
}

} // namespace irqscope::core

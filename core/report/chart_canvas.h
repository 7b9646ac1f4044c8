// Canvas: the few drawing primitives report charts use, so that the same chart code draws inline SVG (HTML
// report) and cairo PDF pages. Coordinates in points, y down.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace irqscope::core {

struct Color
{
    uint8_t r = 0, g = 0, b = 0;
};

enum class Anchor
{
    Start,
    Middle,
    End
};

class Canvas
{
public:
    virtual ~Canvas() = default;
    virtual void line(double x1, double y1, double x2, double y2, Color color, double width, bool dashed = false) = 0;
    virtual void rect(double x, double y, double w, double h, std::optional<Color> fill,
                      std::optional<Color> stroke) = 0;
    virtual void polyline(const std::vector<std::pair<double, double>>& points, Color color, double width) = 0;
    // (x, y) is the text's baseline point at the anchor.
    virtual void text(double x, double y, const std::string& text, double size, Color color,
                      Anchor anchor = Anchor::Start, bool bold = false) = 0;
};

// The series palette (8 colours, reused cyclically) and the greys charts use.
Color seriesColor(std::size_t index);
inline constexpr Color kInk{33, 37, 41};
inline constexpr Color kGrid{222, 226, 230};
inline constexpr Color kMuted{108, 117, 125};

} // namespace irqscope::core

// The PDF report: page layout, the tables drawn as text grids, and the charts through CairoCanvas.
#include "report/pdf/pdf_report.h"

#include "base/time_text.h"
#include "report/pdf/pdf_canvas.h"
#include "report/report_charts.h"
#include "report/report_tables.h"

#include <cairo-pdf.h>
#include <fmt/format.h>

#include <algorithm>

namespace irqscope::core {

namespace {

constexpr double kPageW = 842, kPageH = 595, kMargin = 30;

cairo_status_t appendTo(void* closure, const unsigned char* data, unsigned int length)
{
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
}

class Pages
{
public:
    Pages(cairo_t* cr, const ReportInput& input)
        : m_cr(cr)
        , m_canvas(cr)
        , m_input(input)
    {}
    CairoCanvas& canvas() { return m_canvas; }
    double y() const { return m_y; }
    void advance(double dy) { m_y += dy; }
    // Starts a new page when `height` does not fit below the current position.
    void need(double height)
    {
        if (m_y + height > kPageH - kMargin)
            newPage();
    }
    void newPage()
    {
        footer();
        cairo_show_page(m_cr);
        m_y = kMargin;
    }
    void finish() { footer(); }

private:
    void footer()
    {
        ++m_page;
        m_canvas.text(kPageW - kMargin, kPageH - 12, fmt::format("{} · page {}", reportTitle(m_input), m_page), 7,
                      kMuted, Anchor::End);
    }
    cairo_t* m_cr;
    CairoCanvas m_canvas;
    const ReportInput& m_input;
    double m_y = kMargin;
    int m_page = 0;
};

void heading(Pages& pages, const std::string& text)
{
    pages.need(40);
    pages.advance(16);
    pages.canvas().text(kMargin, pages.y(), text, 12, kInk, Anchor::Start, true);
    pages.canvas().line(kMargin, pages.y() + 4, kPageW - kMargin, pages.y() + 4, kGrid, 0.8);
    pages.advance(12);
}

void table(Pages& pages, const TextTable& t, double size)
{
    auto& c = pages.canvas();
    const double rowH = size * 1.7;
    std::vector<double> widths(t.header.size());
    for (std::size_t i = 0; i < t.header.size(); ++i) {
        widths[i] = c.textWidth(t.header[i], size, true);
        for (const auto& row : t.rows)
            widths[i] = std::max(widths[i], c.textWidth(row[i], size, false));
        widths[i] += 8;
    }
    const auto drawRow = [&](const std::vector<std::string>& cells, bool head) {
        pages.need(rowH);
        double x = kMargin;
        if (head)
            c.rect(kMargin, pages.y(), kPageW - 2 * kMargin, rowH, Color{241, 243, 245}, std::nullopt);
        for (std::size_t i = 0; i < cells.size(); ++i) {
            const bool right = !head && t.numeric[i];
            c.text(right ? x + widths[i] - 4 : x + 4, pages.y() + rowH - size * 0.5, cells[i], size, kInk,
                   right ? Anchor::End : Anchor::Start, head);
            x += widths[i];
        }
        pages.advance(rowH);
        c.line(kMargin, pages.y(), kPageW - kMargin, pages.y(), kGrid, 0.5);
    };
    drawRow(t.header, true);
    for (const auto& row : t.rows)
        drawRow(row, false);
}

// Breaks `text` into lines of at most `chars` characters (on spaces where possible).
std::vector<std::string> wrap(const std::string& text, std::size_t chars)
{
    std::vector<std::string> lines;
    std::string rest = text;
    while (rest.size() > chars) {
        std::size_t cut = rest.rfind(' ', chars);
        if (cut == std::string::npos || cut == 0)
            cut = chars;
        lines.push_back(rest.substr(0, cut));
        rest = rest.substr(cut == chars ? cut : cut + 1);
    }
    lines.push_back(rest);
    return lines;
}

template<typename Draw>
void chart(Pages& pages, double height, Draw draw)
{
    pages.need(height);
    draw(pages.canvas(), ChartBox{kMargin, pages.y(), kPageW - 2 * kMargin, height});
    pages.advance(height + 6);
}

} // namespace

std::string pdfReport(const ReportInput& input, std::string& out)
{
    out.clear();
    cairo_surface_t* surface = cairo_pdf_surface_create_for_stream(appendTo, &out, kPageW, kPageH);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, reportTitle(input).c_str());
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "irqscope " IRQSCOPE_VERSION);
    const std::string date = isoUtcSeconds(input.snapshot.wallTimeNs);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, date.c_str());
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, date.c_str());
    cairo_t* cr = cairo_create(surface);
    {
        Pages pages(cr, input);
        auto& c = pages.canvas();
        pages.advance(14);
        c.text(kMargin, pages.y(), reportTitle(input), 18, kInk, Anchor::Start, true);
        pages.advance(16);
        c.text(kMargin, pages.y(), reportSubtitle(input), 9, kMuted);
        pages.advance(6);

        heading(pages, "Vectors");
        table(pages, vectorTable(input), 7.5);
        for (const auto& v : input.snapshot.vectors) {
            if (v.lastError.empty())
                continue;
            pages.need(12);
            pages.advance(11);
            c.text(kMargin, pages.y(), v.name + ": " + v.lastError, 8, Color{201, 42, 42}, Anchor::Start, true);
        }
        if (const std::string floor = instrumentFloorText(input); !floor.empty()) {
            const auto lines = wrap(floor, 185);
            pages.need(4 + 11.0 * lines.size());
            pages.advance(4);
            for (const auto& line : lines) {
                pages.advance(11);
                c.text(kMargin, pages.y(), line, 8, kInk);
            }
        }

        if (const TextTable d = deliveryTable(input); !d.rows.empty()) {
            heading(pages, "Round trip and interrupt delivery");
            table(pages, d, 7.5);
        }

        heading(pages, "System and configuration");
        for (const auto& [key, value] : systemFacts(input)) {
            const auto lines = wrap(value, 120);
            pages.need(11.0 * lines.size());
            for (std::size_t i = 0; i < lines.size(); ++i) {
                pages.advance(11);
                if (i == 0)
                    c.text(kMargin, pages.y(), key, 8, kMuted);
                c.text(kMargin + 130, pages.y(), lines[i], 8, kInk);
            }
        }

        pages.newPage();
        chart(pages, 270, [&](Canvas& cv, ChartBox b) { drawLatencyHistogram(cv, b, input); });
        chart(pages, 250, [&](Canvas& cv, ChartBox b) { drawLatencyPercentiles(cv, b, input); });
        chart(pages, 250, [&](Canvas& cv, ChartBox b) { drawLatencyOverTime(cv, b, input); });
        chart(pages, 250, [&](Canvas& cv, ChartBox b) { drawRateOverTime(cv, b, input); });
        chart(pages, std::min(timelineHeight(input), kPageH - 2 * kMargin),
              [&](Canvas& cv, ChartBox b) { drawTimeline(cv, b, input); });
        pages.finish();
    }
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    const cairo_status_t status = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    if (status != CAIRO_STATUS_SUCCESS)
        return fmt::format("cannot render the PDF report: {}", cairo_status_to_string(status));
    return {};
}

} // namespace irqscope::core

// The HTML report: page skeleton, tables and the charts as inline SVG.
#include "report/html_report.h"

#include "report/report_charts.h"
#include "report/report_tables.h"
#include "report/svg_canvas.h"

#include <fmt/format.h>

namespace irqscope::core {

namespace {

constexpr double kChartWidth = 960;

template<typename Draw>
std::string chart(double height, Draw draw)
{
    SvgCanvas canvas(kChartWidth, height);
    draw(canvas, ChartBox{0, 0, kChartWidth, height});
    return "<div class=\"chart\">\n" + canvas.svg() + "</div>\n";
}

} // namespace

std::string htmlReport(const ReportInput& input)
{
    std::string out;
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out += "<title>" + xmlEscape(reportTitle(input)) + "</title>\n";
    out += R"(<style>
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #212529; margin: 24px; max-width: 1000px; }
h1 { font-size: 22px; margin-bottom: 2px; } h2 { font-size: 16px; margin-top: 28px; border-bottom: 1px solid #dee2e6; }
.sub { color: #6c757d; font-size: 13px; }
table { border-collapse: collapse; font-size: 12px; }
th, td { padding: 3px 7px; border-bottom: 1px solid #e9ecef; white-space: nowrap; }
th { background: #f1f3f5; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
table.facts td:first-child { color: #6c757d; } table.facts td { white-space: normal; }
.chart { margin: 10px 0; } .bad { color: #c92a2a; font-weight: bold; }
p.bad { font-size: 13px; margin: 4px 0; } p.floor { font-size: 13px; margin: 8px 0; color: #495057; }
</style>
</head>
<body>
)";
    out += "<h1>" + xmlEscape(reportTitle(input)) + "</h1>\n";
    out += "<div class=\"sub\">" + xmlEscape(reportSubtitle(input)) + "</div>\n";

    out += "<h2>Vectors</h2>\n<table class=\"vectors\">\n<tr>";
    const TextTable t = vectorTable(input);
    for (const auto& h : t.header)
        out += "<th>" + xmlEscape(h) + "</th>";
    out += "</tr>\n";
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
        out += "<tr>";
        for (std::size_t c = 0; c < t.rows[r].size(); ++c) {
            const bool bad = (c == 5 || c == 8) && t.rows[r][c] != "0";
            out += fmt::format("<td{}>{}</td>", t.numeric[c] ? (bad ? " class=\"n bad\"" : " class=\"n\"") : "",
                               xmlEscape(t.rows[r][c]));
        }
        out += "</tr>\n";
    }
    out += "</table>\n";
    for (const auto& v : input.snapshot.vectors) {
        if (!v.lastError.empty())
            out += "<p class=\"bad\">" + xmlEscape(v.name + ": " + v.lastError) + "</p>\n";
    }
    if (const std::string floor = instrumentFloorText(input); !floor.empty())
        out += "<p class=\"floor\" id=\"instrument-floor\">" + xmlEscape(floor) + "</p>\n";

    if (const TextTable d = deliveryTable(input); !d.rows.empty() || !deliveryCaption(input).empty()) {
        out += "<h2>Round trip and interrupt delivery</h2>\n";
        out += "<p class=\"sub\">" + xmlEscape(deliveryCaption(input)) + "</p>\n";
        if (!d.rows.empty()) {
            out += "<table class=\"vectors\">\n<tr>";
            for (const auto& h : d.header)
                out += "<th>" + xmlEscape(h) + "</th>";
            out += "</tr>\n";
            for (const auto& row : d.rows) {
                out += "<tr>";
                for (std::size_t c = 0; c < row.size(); ++c)
                    out += fmt::format("<td{}>{}</td>", d.numeric[c] ? " class=\"n\"" : "", xmlEscape(row[c]));
                out += "</tr>\n";
            }
            out += "</table>\n";
        }
    }

    out += "<h2>Latency</h2>\n";
    out += chart(380, [&](Canvas& c, ChartBox b) { drawLatencyHistogram(c, b, input); });
    out += chart(340, [&](Canvas& c, ChartBox b) { drawLatencyPercentiles(c, b, input); });
    out += chart(300, [&](Canvas& c, ChartBox b) { drawLatencyOverTime(c, b, input); });
    out += "<h2>Rate</h2>\n";
    out += chart(300, [&](Canvas& c, ChartBox b) { drawRateOverTime(c, b, input); });
    out += "<h2>Mask state and errors</h2>\n";
    out += chart(timelineHeight(input), [&](Canvas& c, ChartBox b) { drawTimeline(c, b, input); });

    out += "<h2>System and configuration</h2>\n<table class=\"facts\">\n";
    for (const auto& [k, v] : systemFacts(input))
        out += "<tr><td>" + xmlEscape(k) + "</td><td>" + xmlEscape(v) + "</td></tr>\n";
    out += "</table>\n";
    out += fmt::format("<p class=\"sub\">irqscope {} &middot; report schema irqscope.report v{}</p>\n",
                       IRQSCOPE_VERSION, kReportSchemaVersion);
    out += "</body>\n</html>\n";
    return out;
}

} // namespace irqscope::core

// Where the HTML report's latency histogram puts the distribution, read back from the SVG it draws: for a sub-µs
// run and for `--sim-latency lognormal:200us,1`, the drawn mass from its 5th to its 95th percentile must span at
// least half of the plot's width (the old linear 0-146 µs axis in 1 µs bins put a sub-µs run into its first bin).
// The percentile plot must label its nines and draw every vector.
#include "latency_plot_samples.h"
#include "report/report_charts.h"
#include "report/report_input.h"
#include "report/svg_canvas.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

using namespace irqscope::core;
using irqscope::test::lognormal200usRun;
using irqscope::test::snapshotBuckets;
using irqscope::test::subMicrosecondRun;

namespace {

ReportInput chartInput(const std::vector<LogHistogram>& runs)
{
    ReportInput input;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        VectorSnapshot v;
        v.slot = static_cast<uint32_t>(i);
        v.name = "msix:" + std::to_string(i);
        v.histogram = snapshotBuckets(runs[i]);
        v.latency.count = runs[i].count();
        v.latency.minNs = runs[i].min();
        v.latency.maxNs = runs[i].max();
        input.snapshot.vectors.push_back(v);
    }
    return input;
}

struct SvgHistogram
{
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;                         // plot area (the bordered rect)
    std::map<double, double> countAxis;                            // count label -> its y
    std::vector<std::vector<std::pair<double, double>>> polylines; // the curves' points
    std::vector<std::string> texts;
};

SvgHistogram parseSvg(const std::string& svg)
{
    SvgHistogram out;
    const std::regex rect(R"re(<rect x="([-\d.]+)" y="([-\d.]+)" width="([-\d.]+)" height="([-\d.]+)" fill="none")re");
    std::smatch m;
    if (std::regex_search(svg, m, rect)) {
        out.x0 = std::stod(m[1]);
        out.y0 = std::stod(m[2]);
        out.x1 = out.x0 + std::stod(m[3]);
        out.y1 = out.y0 + std::stod(m[4]);
    }
    const std::regex text(R"re(<text x="([-\d.]+)" y="([-\d.]+)"[^>]*text-anchor="(\w+)"[^>]*>([^<]*)</text>)re");
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), text); it != std::sregex_iterator(); ++it) {
        const std::string label = (*it)[4];
        out.texts.push_back(label);
        // The count axis: numbers right-aligned left of the plot, 3 below their grid line.
        if ((*it)[3] == "end" && std::regex_match(label, std::regex(R"re(\d+)re")))
            out.countAxis[std::stod(label)] = std::stod((*it)[2]) - 3;
    }
    // Found by plain search: std::regex recurses once per character of a long points attribute, which overflows
    // the stack under AddressSanitizer's larger frames.
    const std::string open = "<polyline points=\"";
    for (size_t at = svg.find(open); at != std::string::npos; at = svg.find(open, at)) {
        at += open.size();
        const size_t end = svg.find('"', at);
        std::vector<std::pair<double, double>> points;
        std::istringstream pts(svg.substr(at, end - at));
        std::string point;
        while (pts >> point) {
            const size_t comma = point.find(',');
            points.emplace_back(std::stod(point.substr(0, comma)), std::stod(point.substr(comma + 1)));
        }
        out.polylines.push_back(points);
        at = end;
    }
    return out;
}

// The drawn mass along x: each horizontal step of every curve is a bin whose count is read back from its height on
// the log count axis (via the "1" and "10" labels); returns the x (as a part of the plot width) where the
// cumulative drawn mass reaches q.
double drawnMassQuantile(const SvgHistogram& h, double q)
{
    const double yOne = h.countAxis.at(1), yTen = h.countAxis.at(10);
    const double perDecade = yOne - yTen;
    std::vector<std::pair<double, double>> bins; // (centre x, count)
    for (const auto& line : h.polylines) {
        for (std::size_t i = 0; i + 1 < line.size(); i += 2) {
            const double y = line[i].second;
            if (y >= h.y1 - 0.05)
                continue; // an empty bin, on the floor
            bins.emplace_back((line[i].first + line[i + 1].first) / 2, std::pow(10.0, (yOne - y) / perDecade));
        }
    }
    std::sort(bins.begin(), bins.end());
    double total = 0;
    for (const auto& b : bins)
        total += b.second;
    double seen = 0;
    for (const auto& [x, count] : bins) {
        seen += count;
        if (seen >= q * total)
            return (x - h.x0) / (h.x1 - h.x0);
    }
    return 1;
}

SvgHistogram drawnHistogram(const ReportInput& input)
{
    SvgCanvas canvas(900, 380);
    drawLatencyHistogram(canvas, ChartBox{0, 0, 900, 380}, input);
    return parseSvg(canvas.svg());
}

void expectBodyOverMostOfTheWidth(const std::vector<LogHistogram>& runs)
{
    const SvgHistogram h = drawnHistogram(chartInput(runs));
    ASSERT_GT(h.x1, h.x0);
    ASSERT_EQ(h.polylines.size(), runs.size());
    ASSERT_TRUE(h.countAxis.count(1) && h.countAxis.count(10));
    const double p5 = drawnMassQuantile(h, 0.05), p95 = drawnMassQuantile(h, 0.95);
    EXPECT_GE(p95 - p5, 0.5) << "the body spans " << p5 << ".." << p95 << " of the plot width";
    EXPECT_GT(p95, 0.1) << "the body sits in the first tenth of the plot";
    EXPECT_LT(p5, 0.9) << "the body sits in the last tenth of the plot";
}

} // namespace

TEST(ReportLatencyCharts, ASubMicrosecondRunFillsTheHistogram)
{
    expectBodyOverMostOfTheWidth({subMicrosecondRun()});
}

TEST(ReportLatencyCharts, ALognormal200usRunFillsTheHistogram)
{
    expectBodyOverMostOfTheWidth({lognormal200usRun()});
}

TEST(ReportLatencyCharts, TwoVectorsAtDifferentSpeedsShareTheAxisAndBothShow)
{
    // One vector at 700 ns, one at 200 µs: the pooled body spans both, each curve has drawn bins.
    const SvgHistogram h = drawnHistogram(chartInput({subMicrosecondRun(5'000), lognormal200usRun(5'000)}));
    ASSERT_EQ(h.polylines.size(), 2u);
    for (const auto& line : h.polylines) {
        const bool drawn = std::any_of(line.begin(), line.end(), [&](const auto& p) { return p.second < h.y1 - 0.05; });
        EXPECT_TRUE(drawn);
    }
    EXPECT_GE(drawnMassQuantile(h, 0.95) - drawnMassQuantile(h, 0.05), 0.5);
}

TEST(ReportLatencyCharts, ThePercentilePlotLabelsItsNinesAndDrawsEveryVector)
{
    SvgCanvas canvas(900, 340);
    drawLatencyPercentiles(canvas, ChartBox{0, 0, 900, 340}, chartInput({subMicrosecondRun(), lognormal200usRun()}));
    const SvgHistogram p = parseSvg(canvas.svg());
    ASSERT_EQ(p.polylines.size(), 2u);
    for (const char* label : {"0%", "50%", "90%", "99%", "99.9%", "99.99%", "1 µs", "1 ms"})
        EXPECT_NE(std::find(p.texts.begin(), p.texts.end(), label), p.texts.end()) << label;
    // Every point inside the plot.
    for (const auto& line : p.polylines) {
        for (const auto& [x, y] : line) {
            EXPECT_GE(x, p.x0 - 0.1);
            EXPECT_LE(x, p.x1 + 0.1);
            EXPECT_GE(y, p.y0 - 0.1);
            EXPECT_LE(y, p.y1 + 0.1);
        }
    }
}

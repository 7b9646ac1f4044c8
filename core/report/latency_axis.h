// Round tick values and their labels for a logarithmic latency axis, shared by the report charts and the
// dashboard's charts: decades when the axis spans several, 1-2-5 or 1..9 steps when it spans fewer, plain linear
// steps when it spans less than a factor of about 3. Each label carries its own unit ("500 ns", "2 µs", "1 ms").
#pragma once

#include <string>
#include <vector>

namespace irqscope::core {

struct AxisTick
{
    double value = 0; // in the axis' unit (ns for a latency axis)
    std::string label;
};

// Ticks for a log axis from loNs to hiNs (0 < loNs < hiNs), at most about `maxTicks` of them, ascending, each
// inside [loNs, hiNs]. At least two when the range allows any round value.
std::vector<AxisTick> logLatencyTicks(double loNs, double hiNs, int maxTicks = 8);

// "500 ns", "2.5 µs", "1 ms", "1.2 s": three significant digits at most, no trailing zeros.
std::string latencyTickLabel(double ns);

} // namespace irqscope::core

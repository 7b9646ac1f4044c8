// Prometheus text exposition (format 0.0.4) of a Snapshot: what `--metrics` and `irqscope exporter` serve on
// /metrics. Qt-free and allocation-happy (it runs on the HTTP server's thread, never on the core thread).
// Every metric is listed in docs/metrics.md. Labels stay bounded: device, index and subindex, nothing per sample.
#pragma once

#include "stats/snapshot.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace irqscope::core {

// The `le` bounds of irqscope_latency_seconds in nanoseconds: 1-2.5-5 steps from 1 µs to 100 ms (+Inf follows).
inline constexpr std::array<int64_t, 16> kPrometheusLatencyBoundsNs = {
    1'000,   2'500,    5'000,     10'000,    25'000,     50'000,     100'000,    250'000,
    500'000, 1000'000, 2'500'000, 5'000'000, 10'000'000, 25'000'000, 50'000'000, 100'000'000};

struct ExpositionInfo
{
    std::string version;        // irqscope_build_info{version=...}
    std::string mode;           // "run", "exporter" or "observe": irqscope_build_info{mode=...}
    std::string deviceFallback; // the device label when the snapshot carries none (before the first snapshot)
};

// Label value escaping of the text format: backslash, double quote and line feed.
std::string escapeLabelValue(std::string_view value);
// HELP text escaping: backslash and line feed.
std::string escapeHelp(std::string_view text);
// A sample value as Prometheus parses it: shortest round-trip form, "+Inf", "-Inf", "NaN".
std::string formatSampleValue(double value);

// Cumulative counts of a snapshot histogram (log buckets: lower bound ns, count) at each bound of
// kPrometheusLatencyBoundsNs, plus the total as the last element (+Inf). A log bucket counts under the first
// bound at or above its inclusive upper edge, so no sample above a bound is ever counted under it; log buckets are
// at most 0.78 % wide, which is the only error this adds.
std::array<uint64_t, kPrometheusLatencyBoundsNs.size() + 1>
cumulativeLatencyBuckets(const std::vector<std::pair<int64_t, uint64_t>>& histogram);

// The whole /metrics body for `snapshot` (nullptr: before the first snapshot, only the build and engine metrics).
std::string prometheusText(const Snapshot* snapshot, const ExpositionInfo& info);

// The Content-Type of prometheusText().
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

} // namespace irqscope::core

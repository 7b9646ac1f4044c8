// cyclictest-compatible output (docs/report-cyclictest.md): each vector is a cyclictest "thread", numbered in
// report order. The -q summary `T:` lines, the `-h` text histogram with its footer, and the `--json` document
// (file_version 1, the "cmdline:" and "rt_test_version:" keys with their colons); irqscope's extras live only
// under the new top-level key "irqscope". Units are the collector's linear bucket width: 1 µs, or 1 ns.
#pragma once

#include "report/report_input.h"

#include <nlohmann/json.hpp>

#include <string>

namespace irqscope::core {

struct CyclictestOptions
{
    bool sumColumn = false; // cyclictest -H: an "all threads" column in the histogram
    int returnCode = 0;
};

// Microseconds unless the collector's buckets are 1 ns wide.
bool cyclictestNanoseconds(const ReportInput& input);

std::string cyclictestSummary(const ReportInput& input);
std::string cyclictestHistogram(const ReportInput& input, const CyclictestOptions& options);
nlohmann::ordered_json cyclictestJson(const ReportInput& input, const CyclictestOptions& options);

} // namespace irqscope::core

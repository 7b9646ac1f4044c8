// ReportInput: everything a report renders, gathered once (from a live run or from a recording) so that every
// format (JSON, CSV, cyclictest, HTML, PDF) shows the same numbers.
#pragma once

#include "report/json_report.h"
#include "report/report_collector.h"
#include "report/system_info.h"
#include "report/tuning_info.h"
#include "stats/snapshot.h"

#include <nlohmann/json_fwd.hpp>

#include <memory>

namespace irqscope::core {

struct ReportInput
{
    Snapshot snapshot; // final; latencies and histograms recomputed from the collector
    RunDescription run;
    SystemInfo system;
    TuningInfo tuning;
    std::shared_ptr<const ReportCollector> collector;
    int64_t startWallNs = 0; // CLOCK_REALTIME when the run started
};

// Replaces every vector's latency summary and histogram, and the instrument floor, with the collector's (the same
// samples the aggregator saw), so the result depends only on the samples and the final counters.
void applyCollector(Snapshot& snapshot, const ReportCollector& collector);

// The "irqscope.report" v1 document of reportJson() plus the tuning (PM QoS, governors, scheduling) and
// start/end times: the --json report.
nlohmann::json reportJson(const ReportInput& input);

} // namespace irqscope::core

// RecordingMeta: the META section of a recording (what ran, where, how), and the JSON codecs of it and of the
// final Snapshot (the FINAL section).
#pragma once

#include "report/json_report.h"
#include "report/system_info.h"
#include "report/tuning_info.h"
#include "stats/snapshot.h"
#include "vfio/vfio_uapi.h"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstdint>
#include <string>

namespace irqscope::core {

struct RecordingMeta
{
    RunDescription run;
    SystemInfo system;
    TuningInfo tuning;
    std::string deviceId;
    std::array<uint32_t, kNumPciIrqIndexes> slotCounts{}; // the device's VectorSlots layout
    int64_t originNs = 0;                                 // CLOCK_MONOTONIC when the engine started
    int64_t startWallNs = 0;                              // CLOCK_REALTIME then
};

uint32_t slotTotal(const RecordingMeta& meta);

// The from*() functions throw (nlohmann::json::exception, std::runtime_error) on a missing key, a wrong type or
// an out-of-range value.
nlohmann::json metaJson(const RecordingMeta& meta);
RecordingMeta metaFromJson(const nlohmann::json& json);
nlohmann::json snapshotJson(const Snapshot& snapshot); // without latencies and histograms
Snapshot snapshotFromJson(const nlohmann::json& json);

} // namespace irqscope::core

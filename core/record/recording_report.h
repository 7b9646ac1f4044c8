// reportFromRecording(): the ReportInput of a recording, built by running its samples through a ReportCollector,
// exactly as the live run did. Deterministic: the same recording always gives the same input.
#pragma once

#include "record/recording_reader.h"
#include "report/report_collector.h"
#include "report/report_input.h"

#include <string>

namespace irqscope::core {

// `linearBuckets` and `linearBucketNs` set the cyclictest histogram (the rest of CollectorConfig comes from the
// recording). Returns a one-line error, "" on success.
std::string reportFromRecording(const RecordingReader& reader, uint32_t linearBuckets, int64_t linearBucketNs,
                                ReportInput& out);

} // namespace irqscope::core

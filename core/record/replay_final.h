// replayFinalSnapshot(): where a replay ends. The recording's final snapshot is what the live run ended on
// (counters, rates over its last second, elapsed time, engine status, host IRQs, last errors); only the latency
// statistics are recomputed from the samples (the FINAL section stores none). The same numbers as
// `irqscope report FILE --json` (reportFromRecording), whatever the replay speed.
#pragma once

#include "record/recording_reader.h"
#include "stats/snapshot.h"

namespace irqscope::core {

// `replayed`: the aggregator's final snapshot after every sample was pushed and ReplaySource::finish().
Snapshot replayFinalSnapshot(const Recording& recording, const Snapshot& replayed);

} // namespace irqscope::core

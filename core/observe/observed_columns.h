// The observer's numbers in the columns of the active-mode outputs. Those formats (the JSON report's v1 per-vector
// keys and JSON Lines records, CSV, HTML, PDF, the Prometheus metrics) have no observed fields, and
// docs/observer.md documents what an observed vector shows in them: its host count as device_originated and
// host_count, its host rate as the completion rate, and its presence as the armed state.
#pragma once

#include "stats/snapshot.h"

namespace irqscope::core {

// A copy of an observer snapshot for those writers only (anything else is returned unchanged): the snapshots the
// observer publishes keep the engine's counters at zero and the host's numbers in VectorSnapshot::observed, which
// the copy keeps too (so applying this twice changes nothing).
Snapshot observedInActiveColumns(const Snapshot& snapshot);

} // namespace irqscope::core

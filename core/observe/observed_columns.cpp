// Observed values copied into the active-mode columns, for the writers that have no others.
#include "observe/observed_columns.h"

#include "engine/vector_counters.h"

namespace irqscope::core {

Snapshot observedInActiveColumns(const Snapshot& snapshot)
{
    Snapshot out = snapshot;
    if (!snapshot.observed)
        return out;
    for (auto& v : out.vectors) {
        if (!v.observed)
            continue;
        const ObservedVector& o = *v.observed;
        // Every interrupt the observer counted came through the host IRQ: it is both columns' count, and
        // hostCompletionGap() stays 0 (VectorSnapshot::observed is still set).
        v.counters.deviceOriginated = o.hostCount;
        v.hostCount = o.hostCount;
        v.completionRateHz = o.hostRateHz;
        v.counters.state = o.present ? vstate::kArmed : 0;
    }
    return out;
}

} // namespace irqscope::core

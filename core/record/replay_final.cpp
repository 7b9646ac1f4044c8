// replayFinalSnapshot(): the recorded final state with the replayed latency statistics.
#include "record/replay_final.h"

#include <algorithm>

namespace irqscope::core {

Snapshot replayFinalSnapshot(const Recording& recording, const Snapshot& replayed)
{
    Snapshot out = recording.final;
    out.generation = replayed.generation;
    out.monotonicNs = replayed.monotonicNs; // built now: its age is the replay's
    out.wallTimeNs = replayed.wallTimeNs;
    out.engine.running = false;
    out.floor = replayed.floor; // the instrument floor, like every latency, comes from the replayed samples
    out.floorHistogram = replayed.floorHistogram;
    for (const VectorSnapshot& r : replayed.vectors) {
        auto it = std::find_if(out.vectors.begin(), out.vectors.end(),
                               [&r](const VectorSnapshot& v) { return v.slot == r.slot; });
        if (it == out.vectors.end()) {
            // A threshold snapshot can be written before the first state was published: its final state lists no
            // vector although the samples hold some (as reportFromRecording does, they are reported).
            out.vectors.push_back(r);
            continue;
        }
        it->latency = r.latency;
        it->interval = r.interval;
        it->histogram = r.histogram;
    }
    std::sort(out.vectors.begin(), out.vectors.end(),
              [](const VectorSnapshot& a, const VectorSnapshot& b) { return a.slot < b.slot; });
    return out;
}

} // namespace irqscope::core

// reportFromRecording(): replaying a recording's samples into a collector and its final snapshot.
#include "record/recording_report.h"

#include "base/vector_id.h"

#include <algorithm>
#include <memory>

namespace irqscope::core {

std::string reportFromRecording(const RecordingReader& reader, uint32_t linearBuckets, int64_t linearBucketNs,
                                ReportInput& out)
{
    const Recording& rec = reader.recording();
    CollectorConfig config;
    config.linearBuckets = linearBuckets;
    config.linearBucketNs = linearBucketNs;
    config.originNs = rec.meta.originNs;
    auto collector = std::make_shared<ReportCollector>(slotTotal(rec.meta), config);
    if (auto err = reader.forEachSample([&](const Sample* s, std::size_t n) { collector->add(s, n); }); !err.empty())
        return err;
    out = ReportInput{};
    out.snapshot = rec.final;
    // A threshold snapshot can be written before the first state was published: its final state lists no vector
    // although the samples hold some. Every vector with samples is reported (its counters unknown: zero).
    const VectorSlots slots(rec.meta.slotCounts);
    auto& vectors = out.snapshot.vectors;
    for (uint32_t slot = 0; slot < slots.size(); ++slot) {
        const bool listed =
            std::any_of(vectors.begin(), vectors.end(), [slot](const auto& v) { return v.slot == slot; });
        if (listed || !collector->vector(slot))
            continue;
        VectorSnapshot v;
        v.slot = slot;
        v.id = slots.id(slot);
        v.name = vectorName(v.id);
        vectors.push_back(std::move(v));
    }
    std::sort(vectors.begin(), vectors.end(), [](const auto& a, const auto& b) { return a.slot < b.slot; });
    applyCollector(out.snapshot, *collector);
    out.run = rec.meta.run;
    out.system = rec.meta.system;
    out.tuning = rec.meta.tuning;
    out.collector = std::move(collector);
    out.startWallNs = rec.meta.startWallNs;
    return {};
}

} // namespace irqscope::core

// reportFromRecording(): replaying a recording's samples into a collector and its final snapshot.
#include "record/recording_report.h"

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
    applyCollector(out.snapshot, *collector);
    out.run = rec.meta.run;
    out.system = rec.meta.system;
    out.tuning = rec.meta.tuning;
    out.collector = std::move(collector);
    out.startWallNs = rec.meta.startWallNs;
    return {};
}

} // namespace irqscope::core

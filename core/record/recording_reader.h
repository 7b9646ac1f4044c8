// RecordingReader: opens a recording (docs/recording-format.md) without trusting any size or offset in it: every
// section must fit in the file, texts are capped, META and FINAL must parse, END must come last, and every sample
// is checked (kind, event code, slot) as it is read. Errors are one line.
#pragma once

#include "engine/sample.h"
#include "record/recording_meta.h"
#include "stats/snapshot.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace irqscope::core {

struct Recording
{
    std::string path;
    uint16_t version = 0;
    RecordingMeta meta;
    Snapshot final; // without latencies (recompute them from the samples)
    std::string interruptsBefore;
    std::string interruptsAfter;
    uint64_t sampleCount = 0;
    std::vector<std::pair<uint64_t, uint64_t>> sampleSections; // (file offset, samples)
};

class RecordingReader
{
public:
    // Reads and checks the header and every section's framing, META and FINAL. "" on success.
    std::string open(const std::string& path);
    const Recording& recording() const { return m_recording; }

    using Chunk = std::function<void(const Sample* samples, std::size_t count)>;
    // Streams every sample in file order, in chunks; stops at the first bad sample. "" on success.
    std::string forEachSample(const Chunk& chunk) const;

private:
    Recording m_recording;
};

} // namespace irqscope::core

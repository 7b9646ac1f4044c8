// RecordingWriter: writes a recording (docs/recording-format.md) as the run goes: header and the
// /proc/interrupts text before arming, sample sections from the aggregator's sink, then META, the text after
// disarming, FINAL and END. Not thread-safe: one thread at a time (the sink runs on the aggregator's thread).
#pragma once

#include "engine/sample.h"
#include "record/recording_format.h"

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace irqscope::core {

class RecordingWriter
{
public:
    RecordingWriter() = default;
    ~RecordingWriter(); // removes the file when finish() was not called
    RecordingWriter(const RecordingWriter&) = delete;
    RecordingWriter& operator=(const RecordingWriter&) = delete;

    // Creates the file and writes the header. Returns a one-line error, "" on success.
    std::string open(const std::string& path);
    void writeText(SectionType type, const std::string& text);
    void writeSamples(const Sample* samples, std::size_t count);
    // Writes END, flushes and closes. Returns the first error met since open(), "" when all went well.
    std::string finish();

    uint64_t samplesWritten() const { return m_samples; }

private:
    void writeSection(SectionType type, const void* data, std::size_t size);
    void fail(const char* what);

    std::FILE* m_file = nullptr;
    std::string m_path;
    std::string m_error;
    std::vector<uint8_t> m_buffer;
    uint64_t m_samples = 0;
};

// Reads /proc/interrupts (or any text file) whole; "" when unreadable.
std::string readTextFile(const std::string& path);

} // namespace irqscope::core

// CSV reports (docs/report-schema.md, "CSV"): a per-vector summary, and with --samples one row per sample in a
// second file (FILE with ".csv" replaced by ".samples.csv").
#pragma once

#include "base/vector_id.h"
#include "engine/sample.h"
#include "report/report_input.h"

#include <cstdio>
#include <string>

namespace irqscope::core {

std::string csvSummary(const ReportInput& input);
std::string samplesCsvPath(const std::string& csvPath); // "out.csv" -> "out.samples.csv"

// Streams per-sample rows (header first). Not thread-safe: one writer thread.
class CsvSampleWriter
{
public:
    CsvSampleWriter(VectorSlots slots, int64_t originNs);
    ~CsvSampleWriter();
    CsvSampleWriter(const CsvSampleWriter&) = delete;
    CsvSampleWriter& operator=(const CsvSampleWriter&) = delete;

    std::string open(const std::string& path); // one-line error or ""
    void write(const Sample* samples, std::size_t count);
    std::string finish(); // first error since open(), or ""

private:
    VectorSlots m_slots;
    int64_t m_originNs;
    std::FILE* m_file = nullptr;
    std::string m_path;
    std::string m_error;
};

// Writes `text` to `path` atomically (temp file + rename); one-line error or "".
std::string writeTextFileAtomic(const std::string& path, const std::string& text);

} // namespace irqscope::core

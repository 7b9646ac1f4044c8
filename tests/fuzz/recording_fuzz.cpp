// Fuzzes the recording reader (core/record, docs/recording-format.md) and what `irqscope report` does with what
// it reads: a recording is untrusted input, so no size, offset, count or slot in it may crash, hang or make the
// reader allocate beyond the file. Invariants: no crash or sanitizer report (and no allocation over libFuzzer's
// -rss_limit_mb / -malloc_limit_mb); errors are one line; an accepted recording streams exactly the samples its
// sections declare, each naming a slot of the device; the report rendered from it never fails.
#include "fuzz_check.h"
#include "record/recording_reader.h"
#include "record/recording_report.h"
#include "report/csv_report.h"
#include "report/cyclictest_output.h"
#include "report/html_report.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

using namespace irqscope::core;

namespace {

// One memory file for the whole run, rewritten for each input: the reader opens it by path like any file.
struct MemoryFile
{
    MemoryFile()
        : fd(memfd_create("irqscope-recording-fuzz", 0))
        , path("/proc/self/fd/" + std::to_string(fd))
    {
        if (fd < 0) {
            std::perror("memfd_create");
            std::abort();
        }
    }
    void write(const uint8_t* data, size_t size)
    {
        FUZZ_CHECK(ftruncate(fd, 0) == 0 && pwrite(fd, data, size, 0) == static_cast<ssize_t>(size), "memfd write");
    }
    int fd;
    std::string path;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static MemoryFile file;
    file.write(data, size);

    RecordingReader reader;
    if (const std::string err = reader.open(file.path); !err.empty()) {
        FUZZ_CHECK(irqscope::fuzz::oneLine(err), "open error \"%s\"", err.c_str());
        return 0;
    }
    const Recording& rec = reader.recording();
    uint64_t declared = 0;
    for (const auto& [offset, count] : rec.sampleSections) {
        FUZZ_CHECK(offset <= size && count * 40 <= size - offset, "sample section [%llu, +%llu) outside the file",
                   (unsigned long long)offset, (unsigned long long)count);
        declared += count;
    }
    FUZZ_CHECK(declared == rec.sampleCount, "sample count %llu, sections hold %llu",
               (unsigned long long)rec.sampleCount, (unsigned long long)declared);

    const uint32_t slots = slotTotal(rec.meta);
    uint64_t streamed = 0;
    const std::string streamErr = reader.forEachSample([&](const Sample* s, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i)
            FUZZ_CHECK(s[i].slot < slots, "sample names slot %u of %u", s[i].slot, slots);
        streamed += n;
    });
    if (!streamErr.empty()) {
        FUZZ_CHECK(irqscope::fuzz::oneLine(streamErr), "sample error \"%s\"", streamErr.c_str());
        FUZZ_CHECK(streamed < rec.sampleCount, "failed after streaming every sample");
    } else {
        FUZZ_CHECK(streamed == rec.sampleCount, "streamed %llu of %llu samples", (unsigned long long)streamed,
                   (unsigned long long)rec.sampleCount);
    }

    // `irqscope report FILE` with every text format (PDF needs cairo and adds nothing the HTML path does not read).
    ReportInput input;
    const std::string reportErr = reportFromRecording(reader, 100, 1000, input);
    FUZZ_CHECK(reportErr == streamErr, "report error \"%s\", stream error \"%s\"", reportErr.c_str(),
               streamErr.c_str());
    if (!reportErr.empty())
        return 0;
    (void)reportJson(input).dump();
    (void)csvSummary(input);
    (void)htmlReport(input);
    (void)cyclictestSummary(input);
    CyclictestOptions ct;
    (void)cyclictestHistogram(input, ct);
    (void)cyclictestJson(input, ct).dump();
    return 0;
}

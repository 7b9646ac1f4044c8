// What the fuzz targets of tests/fuzz found, each fixed and pinned here (docs/reliability.md); the crashing inputs
// are in tests/fuzz/corpus/<target>/crash-*.
#include "base/duration.h"
#include "base/printable.h"
#include "base/vector_spec.h"
#include "profile/profile_file.h"
#include "record/recording_meta.h"
#include "record/recording_reader.h"
#include "record/recording_report.h"
#include "record/recording_writer.h"
#include "record/threshold_rule.h"
#include "sim/sim_config.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <sys/wait.h>

using namespace irqscope::core;

namespace {

void expectOneLine(const std::string& error, const char* what)
{
    EXPECT_FALSE(error.empty()) << what;
    EXPECT_EQ(error.find('\n'), std::string::npos) << what << ": " << error;
    EXPECT_EQ(error.find('\r'), std::string::npos) << what << ": " << error;
}

} // namespace

// cli target: errors that quote the user's text stay one line whatever the text holds (a newline inside
// --duration made a two-line error). printable() escapes control characters and cuts long text.
TEST(ErrorText, PrintableEscapesControlCharactersAndCutsLongText)
{
    EXPECT_EQ(printable("10s"), "10s");
    EXPECT_EQ(printable("250µs"), "250µs");
    EXPECT_EQ(printable(std::string("a\nb\0c\x7f", 6)), "a\\x0ab\\x00c\\x7f");
    const std::string longText(kPrintableMax + 50, 'x');
    EXPECT_EQ(printable(longText), std::string(kPrintableMax, 'x') + "...");
}

TEST(ErrorText, ParsersQuoteTheInputOnOneLine)
{
    std::string error;
    EXPECT_FALSE(parseDuration("999E\nrun", error));
    expectOneLine(error, "duration");
    error.clear();
    EXPECT_FALSE(parseVectorSpec("ms\nix:0", error));
    expectOneLine(error, "vector index");
    error.clear();
    EXPECT_FALSE(parseVectorSpec("msix:1\n-2", error));
    expectOneLine(error, "vector range");
    error.clear();
    EXPECT_FALSE(parseVectorSpec("msix:5-\n1", error));
    expectOneLine(error, "vector range order");
    error.clear();
    EXPECT_FALSE(parseLatencyDistribution("fixed:\n5us", error));
    expectOneLine(error, "latency");
    error.clear();
    EXPECT_FALSE(parseSimFaults("drop=\n0.5", error));
    expectOneLine(error, "faults");
    error.clear();
    EXPECT_FALSE(parseThresholdRule("5\n0:stop", error));
    expectOneLine(error, "threshold number");
    error.clear();
    EXPECT_FALSE(parseThresholdRule("50:st\nop", error));
    expectOneLine(error, "threshold action");
}

// profile target: a number nlohmann cannot hold (2e1000) threw out_of_range out of parseProfile, which promises
// nullopt and one line.
TEST(FuzzFindings, ProfileNumberOverflowIsAOneLineError)
{
    std::string error;
    EXPECT_FALSE(parseProfile(R"({"irqscope_profile": 1, "name": 2e1000})", error));
    expectOneLine(error, "profile");
    EXPECT_NE(error.find("overflow"), std::string::npos) << error;
}

namespace {

RecordingMeta tinyMeta()
{
    RecordingMeta m;
    m.deviceId = "sim";
    m.slotCounts = {0, 0, 1, 0, 0};
    m.originNs = 1'000'000'000;
    m.startWallNs = 1'700'000'000'000'000'000;
    return m;
}

std::string writeTiny(const Sample& sample)
{
    const auto path = (std::filesystem::temp_directory_path() / "irqscope-fuzz-finding.irqrec").string();
    RecordingWriter w;
    EXPECT_EQ(w.open(path), "");
    w.writeSamples(&sample, 1);
    w.writeText(SectionType::Meta, metaJson(tinyMeta()).dump());
    Snapshot final;
    final.deviceId = "sim";
    w.writeText(SectionType::Final, snapshotJson(final).dump());
    EXPECT_EQ(w.finish(), "");
    return path;
}

} // namespace

// recording target: sample times far apart overflowed latencyNs() (signed overflow, UBSan) while the report was
// computed. CLOCK_MONOTONIC times are never negative, so the reader refuses a negative one.
TEST(FuzzFindings, RecordingSampleWithANegativeTimeIsRefused)
{
    Sample s;
    s.kind = SampleKind::Completion;
    s.value = 1;
    s.triggerNs = INT64_MIN + 1;
    s.completionNs = INT64_MAX - 1;
    const auto path = writeTiny(s);
    RecordingReader reader;
    ASSERT_EQ(reader.open(path), "");
    const std::string err = reader.forEachSample([](const Sample*, std::size_t) {});
    expectOneLine(err, "sample time");
    EXPECT_NE(err.find("negative time"), std::string::npos) << err;
    ReportInput input;
    EXPECT_EQ(reportFromRecording(reader, 100, 1000, input), err);
    std::filesystem::remove(path);
}

// recording target: a negative META origin_ns overflowed the collector's time-since-origin.
TEST(FuzzFindings, RecordingMetaWithANegativeClockIsRefused)
{
    RecordingMeta m = tinyMeta();
    m.originNs = LLONG_MIN;
    EXPECT_THROW(metaFromJson(metaJson(m)), std::runtime_error);
    m = tinyMeta();
    m.startWallNs = -1;
    EXPECT_THROW(metaFromJson(metaJson(m)), std::runtime_error);
    EXPECT_NO_THROW(metaFromJson(metaJson(tinyMeta())));
}

#ifdef IRQSCOPE_CLI_PATH
// cli target: CLI11 2.1 never returned from parse() on an empty argument where a positional would go in `run`
// (its option groups match the empty name), or after an option left without its value (`run -v --rate '' --mlock`),
// and SIGTERM is blocked by then: both hung for good.
// The command line is refused before parsing instead; an empty option value is still accepted. (A hang is cut at
// 60 s: far more than a slow machine needs for a refusal or a 100 ms run.)
TEST(FuzzFindings, EmptyStrayArgumentIsRefusedNotAHang)
{
    for (const char* args : {"run ''", "run --no-live ''", "run --duration 1s '' --rate 10", "run -v --rate '' --mlock",
                             "run -d 0000:01:00.0 -v --trigger-cpu '' --trigger-cX"}) {
        const std::string command =
            std::string("timeout -s KILL 60 ") + IRQSCOPE_CLI_PATH + " " + args + " 2>&1 >/dev/null";
        FILE* pipe = popen(command.c_str(), "r");
        ASSERT_NE(pipe, nullptr);
        std::string output;
        char buffer[256];
        while (std::fgets(buffer, sizeof buffer, pipe))
            output += buffer;
        const int status = pclose(pipe);
        EXPECT_EQ(WEXITSTATUS(status), 2) << args << ": " << output;
        EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << args << ": " << output;
        EXPECT_NE(output.find("is empty"), std::string::npos) << args << ": " << output;
    }
    const std::string ok = std::string("timeout -s KILL 60 ") + IRQSCOPE_CLI_PATH +
                           " run --sim-faults '' --vectors msix:0 --duration 100ms --no-live >/dev/null 2>&1";
    EXPECT_EQ(WEXITSTATUS(std::system(ok.c_str())), 0) << "an empty option value is still a value";
}
#endif

// ThresholdCli under ASan: a threshold snapshot taken before the aggregator published its first snapshot carried
// an empty final state, and `irqscope report` of it printed no vector at all although it held samples. A vector
// with samples is reported even when the final state does not list it (its counters are then unknown: zero).
TEST(RecordingReport, VectorsWithSamplesAreReportedWhenTheFinalStateIsEmpty)
{
    Sample s;
    s.slot = 0;
    s.kind = SampleKind::Completion;
    s.value = 1;
    s.triggerNs = 2'000'000'000;
    s.completionNs = 2'000'012'000;
    const auto path = writeTiny(s); // final snapshot: no vectors
    RecordingReader reader;
    ASSERT_EQ(reader.open(path), "");
    ReportInput input;
    ASSERT_EQ(reportFromRecording(reader, 100, 1000, input), "");
    ASSERT_EQ(input.snapshot.vectors.size(), 1u);
    EXPECT_EQ(input.snapshot.vectors[0].name, "msix:0");
    EXPECT_EQ(input.snapshot.vectors[0].latency.count, 1u);
    EXPECT_EQ(input.snapshot.vectors[0].latency.maxNs, 12'000);
    std::filesystem::remove(path);
}

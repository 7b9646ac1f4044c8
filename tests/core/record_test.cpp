// Recordings: writer/reader round trip, byte-identical reports from one recording, reports equal to the live
// run's, replay reproducing the recorded statistics, and corrupt or truncated files giving one line, never a crash.
#include "report_cli_fixture.h"

#include "record/recording_format.h"
#include "record/recording_meta.h"
#include "record/recording_reader.h"
#include "record/recording_writer.h"

#include <nlohmann/json.hpp>

using namespace report_test;
using namespace irqscope::core;

namespace {

RecordingMeta smallMeta()
{
    RecordingMeta m;
    m.run.vectors = "msix:0-1";
    m.run.trigger = "loopback";
    m.run.rateHz = 100;
    m.deviceId = "sim";
    m.slotCounts = {1, 0, 2, 0, 0}; // intx:0, msix:0-1 -> slots 0..2
    m.originNs = 1'000'000'000;
    m.startWallNs = 1'700'000'000'000'000'000;
    return m;
}

Snapshot smallFinal()
{
    Snapshot s;
    s.deviceId = "sim";
    s.wallTimeNs = 1'700'000'002'000'000'000;
    s.elapsedSec = 2;
    auto& v = s.vectors.emplace_back();
    v.slot = 1;
    v.id = VectorId{IrqIndex::Msix, 0};
    v.name = "msix:0";
    v.counters.triggered = 3;
    v.counters.completed = 3;
    v.hostIrq = 42;
    v.hostCpu = 1;
    v.hostCount = 2; // one of the three came from a loopback trigger
    return s;
}

std::filesystem::path writeSmall(const std::string& name, const std::vector<Sample>& samples)
{
    const auto path = std::filesystem::temp_directory_path() / name;
    RecordingWriter w;
    EXPECT_EQ(w.open(path.string()), "");
    w.writeText(SectionType::InterruptsBefore, "CPU0\n 24: 1 vfio\n");
    w.writeSamples(samples.data(), samples.size());
    w.writeText(SectionType::Meta, metaJson(smallMeta()).dump());
    w.writeText(SectionType::Final, snapshotJson(smallFinal()).dump());
    EXPECT_EQ(w.finish(), "");
    return path;
}

std::vector<Sample> threeCompletions()
{
    std::vector<Sample> out;
    for (int i = 0; i < 3; ++i) {
        Sample s;
        s.slot = 1;
        s.kind = SampleKind::Completion;
        s.value = 1;
        s.triggerNs = 1'000'000'000 + i * 10'000'000;
        s.completionNs = s.triggerNs + 5'000 * (i + 1);
        s.seq = i;
        if (i > 0) { // watched by the delivery poller (docs/dma-triggers.md §6); the second one stamped
            s.flags = sampleflag::kDeliveryTracked;
            s.visibleNs = i == 1 ? s.completionNs - 2'000 : 0;
        }
        out.push_back(s);
    }
    return out;
}

// The same recording as version 1 wrote it: 40-byte sample records without flags and delivery stamp.
std::string asVersionOne(const std::string& v2)
{
    std::string out = v2.substr(0, kRecordingHeaderSize);
    putLe(reinterpret_cast<uint8_t*>(out.data()) + 8, 1, 2);
    std::size_t off = kRecordingHeaderSize;
    while (off + kSectionHeaderSize <= v2.size()) {
        const auto* p = reinterpret_cast<const uint8_t*>(v2.data() + off);
        const auto type = static_cast<uint32_t>(getLe(p, 4));
        const auto len = getLe(p + 8, 8);
        std::string body = v2.substr(off + kSectionHeaderSize, len);
        if (type == static_cast<uint32_t>(SectionType::Samples)) {
            std::string records;
            for (std::size_t r = 0; r + kSampleRecordSize <= body.size(); r += kSampleRecordSize) {
                std::string one = body.substr(r, kSampleRecordSizeV1);
                one[5] = 0; // reserved in version 1
                records += one;
            }
            body = records;
        }
        std::string header = v2.substr(off, kSectionHeaderSize);
        putLe(reinterpret_cast<uint8_t*>(header.data()) + 8, body.size(), 8);
        out += header + body;
        off += kSectionHeaderSize + len;
    }
    return out;
}

// Offset of the first sample record (header, then the interrupts-before section, then the samples section).
std::size_t firstSampleOffset(const std::string& bytes)
{
    std::size_t off = kRecordingHeaderSize;
    while (off + kSectionHeaderSize <= bytes.size()) {
        const auto* p = reinterpret_cast<const uint8_t*>(bytes.data() + off);
        const auto type = static_cast<uint32_t>(getLe(p, 4));
        const auto len = getLe(p + 8, 8);
        if (type == static_cast<uint32_t>(SectionType::Samples))
            return off + kSectionHeaderSize;
        off += kSectionHeaderSize + len;
    }
    ADD_FAILURE() << "no sample section";
    return 0;
}

} // namespace

TEST(RecordFormat, WriterAndReaderRoundTrip)
{
    const auto samples = threeCompletions();
    const auto path = writeSmall("irqscope-rec-roundtrip.irqrec", samples);
    RecordingReader reader;
    ASSERT_EQ(reader.open(path.string()), "");
    const auto& rec = reader.recording();
    EXPECT_EQ(rec.version, kRecordingVersion);
    EXPECT_EQ(rec.sampleCount, 3u);
    EXPECT_EQ(rec.interruptsBefore, "CPU0\n 24: 1 vfio\n");
    EXPECT_EQ(rec.meta.run.vectors, "msix:0-1");
    ASSERT_EQ(rec.final.vectors.size(), 1u);
    EXPECT_EQ(rec.final.vectors[0].counters.triggered, 3u);
    EXPECT_EQ(rec.final.vectors[0].hostIrq, 42);
    EXPECT_EQ(rec.final.vectors[0].hostCount, 2u) << "the host count reconciles completions in a rendered report";
    std::vector<Sample> read;
    ASSERT_EQ(reader.forEachSample([&](const Sample* s, std::size_t n) { read.insert(read.end(), s, s + n); }), "");
    ASSERT_EQ(read.size(), samples.size());
    for (std::size_t i = 0; i < read.size(); ++i) {
        EXPECT_EQ(read[i].slot, samples[i].slot);
        EXPECT_EQ(read[i].kind, samples[i].kind);
        EXPECT_EQ(read[i].triggerNs, samples[i].triggerNs);
        EXPECT_EQ(read[i].completionNs, samples[i].completionNs);
        EXPECT_EQ(read[i].seq, samples[i].seq);
        EXPECT_EQ(read[i].flags, samples[i].flags);
        EXPECT_EQ(read[i].visibleNs, samples[i].visibleNs);
    }
    std::filesystem::remove(path);
}

TEST(RecordFormat, FloorSamplesRoundTripAndVersionOneFilesStillRead)
{
    // Version 2 adds the instrument floor's samples (kind 4, slot 0 meaning nothing: docs/recording-format.md).
    auto samples = threeCompletions();
    Sample floor;
    floor.kind = SampleKind::Floor;
    floor.slot = 0;
    floor.value = 1;
    floor.triggerNs = 1'005'000'000;
    floor.completionNs = floor.triggerNs + 1'500;
    floor.seq = 1;
    samples.insert(samples.begin() + 1, floor);
    const auto path = writeSmall("irqscope-rec-floor.irqrec", samples);
    {
        RecordingReader reader;
        ASSERT_EQ(reader.open(path.string()), "");
        std::vector<Sample> read;
        ASSERT_EQ(reader.forEachSample([&](const Sample* s, std::size_t n) { read.insert(read.end(), s, s + n); }), "");
        ASSERT_EQ(read.size(), 4u);
        EXPECT_EQ(read[1].kind, SampleKind::Floor);
        EXPECT_EQ(read[1].latencyNs(), 1'500);
        // The report from it has the floor, and the floor sample is in no vector's numbers.
        const auto out = (std::filesystem::temp_directory_path() / "irqscope-rec-floor.json").string();
        const auto r = runCli("report " + path.string() + " --json " + out);
        ASSERT_EQ(r.exitCode, 0) << r.output;
        const auto j = nlohmann::json::parse(readFile(out));
        EXPECT_EQ(j["instrument_floor"]["latency_ns"]["count"], 1);
        EXPECT_EQ(j["vectors"][0]["latency_ns"]["count"], 3);
        std::filesystem::remove(out);
    }
    // The same bytes marked version 1 (which had no floor) are refused on that sample; a version 1 file without one
    // reads as before.
    writeFile(path, asVersionOne(readFile(path)));
    RecordingReader v1WithFloor;
    ASSERT_EQ(v1WithFloor.open(path.string()), "");
    EXPECT_NE(v1WithFloor.forEachSample([](const Sample*, std::size_t) {}).find("sample 1 has kind 4"),
              std::string::npos);
    const auto old = writeSmall("irqscope-rec-floor-v1.irqrec", threeCompletions());
    writeFile(old, asVersionOne(readFile(old)));
    RecordingReader v1;
    ASSERT_EQ(v1.open(old.string()), "");
    EXPECT_EQ(v1.recording().version, 1);
    EXPECT_EQ(v1.forEachSample([](const Sample*, std::size_t) {}), "");
    const auto r = runCli("report " + old.string() + " --json /dev/stdout");
    ASSERT_EQ(r.exitCode, 0) << r.output;
    EXPECT_EQ(r.output.find("instrument_floor"), std::string::npos) << "no floor recorded: none shown";
    std::filesystem::remove(path);
    std::filesystem::remove(old);
}

TEST(RecordFormat, VersionOneRecordingsStillRead)
{
    const auto samples = threeCompletions();
    const auto path = writeSmall("irqscope-rec-v1.irqrec", samples);
    const auto old = std::filesystem::temp_directory_path() / "irqscope-rec-v1-old.irqrec";
    writeFile(old, asVersionOne(readFile(path)));
    RecordingReader reader;
    ASSERT_EQ(reader.open(old.string()), "");
    EXPECT_EQ(reader.recording().version, 1);
    EXPECT_EQ(reader.recording().sampleCount, 3u);
    std::vector<Sample> read;
    ASSERT_EQ(reader.forEachSample([&](const Sample* s, std::size_t n) { read.insert(read.end(), s, s + n); }), "");
    ASSERT_EQ(read.size(), samples.size());
    for (std::size_t i = 0; i < read.size(); ++i) {
        EXPECT_EQ(read[i].latencyNs(), samples[i].latencyNs());
        EXPECT_FALSE(read[i].deliveryTracked()) << "version 1 had no delivery stamp";
        EXPECT_EQ(read[i].visibleNs, 0);
    }
    std::filesystem::remove(path);
    std::filesystem::remove(old);
}

TEST(RecordFormat, CorruptFilesGiveOneLineErrors)
{
    const auto path = writeSmall("irqscope-rec-good.irqrec", threeCompletions());
    const std::string good = readFile(path);
    const auto bad = std::filesystem::temp_directory_path() / "irqscope-rec-bad.irqrec";
    const auto expectBad = [&](const std::string& bytes, const std::string& why) {
        writeFile(bad, bytes);
        RecordingReader reader;
        std::string err = reader.open(bad.string());
        if (err.empty())
            err = reader.forEachSample([](const Sample*, std::size_t) {});
        EXPECT_NE(err, "") << why;
        EXPECT_EQ(err.find('\n'), std::string::npos) << why << ": " << err;
        // And the CLI: exit 2, one line, no crash.
        const auto r = runCli("report " + bad.string() + " --json /dev/null");
        EXPECT_EQ(r.exitCode, 2) << why << ": " << r.output;
        EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << why << ": " << r.output;
    };
    for (std::size_t cut : {std::size_t{0}, std::size_t{7}, std::size_t{16}, std::size_t{20}, good.size() / 2,
                            good.size() - 16, good.size() - 1})
        expectBad(good.substr(0, cut), "truncated at " + std::to_string(cut));
    std::string s = good;
    s[0] = 'X';
    expectBad(s, "magic");
    s = good;
    s[8] = 9;
    expectBad(s, "version");
    s = good;
    putLe(reinterpret_cast<uint8_t*>(s.data()) + kRecordingHeaderSize + 8, 1ull << 62, 8);
    expectBad(s, "huge section length");
    const std::size_t first = firstSampleOffset(good);
    s = good;
    s[first + 4] = 9;
    expectBad(s, "sample kind");
    s = good;
    putLe(reinterpret_cast<uint8_t*>(s.data()) + first, 4000, 4);
    expectBad(s, "slot out of range");
    s = good;
    putLe(reinterpret_cast<uint8_t*>(s.data()) + first - 8, 47, 8);
    expectBad(s, "sample section not a multiple of 48");
    expectBad(good + "trailing", "data after END");
    std::filesystem::remove(path);
    std::filesystem::remove(bad);
}

TEST(RecordRender, SameRecordingGivesByteIdenticalReports)
{
    const auto dir = liveRun();
    const std::string rec = (dir / "run.irqrec").string();
    for (const char* n : {"a", "b"}) {
        const std::string p = (dir / n).string();
        const auto r = runCli("report " + rec + " --json " + p + ".json --csv " + p + ".csv --samples --html " + p +
                              ".html --pdf " + p + ".pdf --cyclictest --histogram 8 --histfile " + p +
                              ".hist --cyclictest-json " + p + ".ct.json");
        ASSERT_EQ(r.exitCode, 0) << r.output;
        writeFile(dir / (std::string(n) + ".stdout"), r.output);
    }
    for (const char* ext : {".json", ".csv", ".samples.csv", ".html", ".pdf", ".hist", ".ct.json", ".stdout"}) {
        const auto a = readFile(dir / (std::string("a") + ext));
        EXPECT_FALSE(a.empty()) << ext;
        EXPECT_EQ(a, readFile(dir / (std::string("b") + ext))) << ext << " differs between two renders";
    }
    // The recording renders the live run's reports.
    EXPECT_EQ(readFile(dir / "a.hist"), readFile(dir / "live.hist"));
    EXPECT_EQ(readFile(dir / "a.csv"), readFile(dir / "live.csv"));
    EXPECT_EQ(readFile(dir / "a.samples.csv"), readFile(dir / "live.samples.csv"));
    const auto live = nlohmann::json::parse(readFile(dir / "live.json"));
    const auto rendered = nlohmann::json::parse(readFile(dir / "a.json"));
    EXPECT_EQ(rendered["vectors"], live["vectors"]);
    EXPECT_EQ(rendered["totals"], live["totals"]);
}

TEST(RecordReplay, ReproducesTheRecordedStatistics)
{
    const auto dir = liveRun();
    const std::string out = (dir / "replay.json").string();
    const auto r = runCli("replay " + (dir / "run.irqrec").string() + " --speed 0 --no-live --json " + out);
    ASSERT_EQ(r.exitCode, 0) << r.output;
    const auto live = nlohmann::json::parse(readFile(dir / "live.json"));
    const auto replay = nlohmann::json::parse(readFile(out));
    ASSERT_EQ(replay["vectors"].size(), live["vectors"].size());
    for (std::size_t i = 0; i < live["vectors"].size(); ++i) {
        const auto& a = live["vectors"][i];
        const auto& b = replay["vectors"][i];
        SCOPED_TRACE(a["name"].get<std::string>());
        // Rates too: a replay at full speed ends where the run did, not at the replay's own pace.
        for (const char* k : {"name", "triggered", "completed", "coalesced", "missed", "in_flight", "spurious",
                              "errors", "latency_ns", "histogram_ns", "last_error", "state", "completion_rate_hz",
                              "trigger_rate_hz", "mean_completion_rate_hz", "mean_trigger_rate_hz"})
            EXPECT_EQ(a[k], b[k]) << k;
    }
    EXPECT_EQ(replay["run"]["duration_s"], live["run"]["duration_s"]);
    EXPECT_NE(r.output.find("msix:0"), std::string::npos) << "the final table";
}

TEST(RecordRender, ReportNeedsSomethingToRender)
{
    const auto r = runCli("report " + (liveRun() / "run.irqrec").string());
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    const auto info = runCli("report " + (liveRun() / "run.irqrec").string() + " --info");
    EXPECT_EQ(info.exitCode, 0) << info.output;
    EXPECT_NE(info.output.find("samples"), std::string::npos);
}

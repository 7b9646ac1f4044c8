// Threshold actions: rule parsing, and each action (stop, snapshot, exec) on synthetic samples and end to end.
#include "report_cli_fixture.h"

#include "record/recording_reader.h"
#include "record/threshold_monitor.h"
#include "record/threshold_rule.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <sys/stat.h>

using namespace report_test;
using namespace irqscope::core;

namespace {

Sample completion(uint32_t slot, int64_t latencyNs, int64_t atNs, uint64_t seq)
{
    Sample s;
    s.slot = slot;
    s.kind = SampleKind::Completion;
    s.value = 1;
    s.triggerNs = atNs - latencyNs;
    s.completionNs = atNs;
    s.seq = seq;
    return s;
}

ThresholdContext context(const std::filesystem::path& dir)
{
    ThresholdContext c;
    c.slots = VectorSlots({1, 0, 4, 0, 0}); // intx:0 = slot 0, msix:0-3 = slots 1..4
    c.meta.deviceId = "sim";
    c.meta.slotCounts = {1, 0, 4, 0, 0};
    c.snapshotDir = dir.string();
    c.snapshotSamples = 8;
    c.holdoffNs = 1'000'000'000;
    return c;
}

ThresholdRule rule(const std::string& text)
{
    std::string err;
    auto r = parseThresholdRule(text, err);
    EXPECT_TRUE(r) << err;
    return r ? *r : ThresholdRule{};
}

std::filesystem::path freshDir(const std::string& name)
{
    const auto d = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()));
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d;
}

} // namespace

TEST(ThresholdRule, ParsesVectorsThresholdAndAction)
{
    auto r = rule("msix:1-2@50:stop");
    EXPECT_EQ(r.thresholdNs, 50'000);
    EXPECT_EQ(r.action, ThresholdAction::Stop);
    ASSERT_EQ(r.vectors.size(), 1u);
    EXPECT_EQ(r.vectors[0].start, 1u);
    r = rule("12.5:snapshot");
    EXPECT_EQ(r.thresholdNs, 12'500);
    EXPECT_TRUE(r.vectors.empty());
    r = rule("100:exec=/usr/bin/logger -t irqscope spike");
    EXPECT_EQ(r.action, ThresholdAction::Exec);
    EXPECT_EQ(r.argv, (std::vector<std::string>{"/usr/bin/logger", "-t", "irqscope", "spike"}));
    for (const char* bad : {"", "50", "x:stop", "-1:stop", "50:explode", "50:exec=", "msix:a@5:stop", "0:stop"}) {
        std::string err;
        EXPECT_FALSE(parseThresholdRule(bad, err)) << bad;
        EXPECT_NE(err.find("--on-threshold"), std::string::npos) << err;
        EXPECT_EQ(err.find('\n'), std::string::npos);
    }
}

TEST(ThresholdStop, RaisesTheFlagOnlyForMatchingVectorsAboveTheThreshold)
{
    const auto dir = freshDir("irqscope-thr-stop");
    ThresholdMonitor m({rule("msix:2@50:stop")}, context(dir));
    const Sample below = completion(3, 40'000, 5'000'000'000, 1); // msix:2, under the threshold
    const Sample other = completion(1, 90'000, 5'100'000'000, 2); // msix:0, not matched
    m.add(&below, 1);
    m.add(&other, 1);
    EXPECT_FALSE(m.stopRequested());
    const Sample spike = completion(3, 75'000, 5'200'000'000, 3);
    m.add(&spike, 1);
    EXPECT_TRUE(m.stopRequested());
    EXPECT_NE(m.stopReason().find("msix:2 latency 75.0 µs above 50.0 µs"), std::string::npos) << m.stopReason();
    EXPECT_EQ(m.fired(), 1u);
}

TEST(ThresholdSnapshot, WritesTheLastSamplesAndTheStateAndKeepsRunning)
{
    const auto dir = freshDir("irqscope-thr-snap");
    auto ctx = context(dir);
    ctx.state = [] {
        Snapshot s;
        s.deviceId = "sim";
        auto& v = s.vectors.emplace_back();
        v.slot = 1;
        v.id = VectorId{IrqIndex::Msix, 0};
        v.name = "msix:0";
        v.counters.triggered = v.counters.completed = 20;
        return s;
    };
    ThresholdMonitor m({rule("30:snapshot")}, ctx);
    std::vector<Sample> samples;
    for (uint64_t i = 0; i < 20; ++i)
        samples.push_back(completion(1, i == 15 ? 80'000 : 10'000, 2'000'000'000 + i * 1'000'000, i));
    m.add(samples.data(), samples.size());
    EXPECT_FALSE(m.stopRequested());
    EXPECT_EQ(m.fired(), 1u);
    const auto file = dir / "irqscope-threshold-1-msix-0.irqrec";
    ASSERT_TRUE(std::filesystem::exists(file));
    RecordingReader reader;
    ASSERT_EQ(reader.open(file.string()), "");
    EXPECT_EQ(reader.recording().sampleCount, 8u) << "the last N = 8 samples up to the spike";
    std::vector<Sample> read;
    ASSERT_EQ(reader.forEachSample([&](const Sample* s, std::size_t n) { read.insert(read.end(), s, s + n); }), "");
    EXPECT_EQ(read.back().seq, 15u);
    EXPECT_EQ(read.front().seq, 8u);
    EXPECT_EQ(reader.recording().final.vectors.at(0).counters.triggered, 20u);
    EXPECT_NE(reader.recording().meta.run.stopReason.find("80.0 µs"), std::string::npos);
    const auto messages = m.takeMessages();
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_NE(messages[0].find(file.string()), std::string::npos);
    // A second spike within the hold-off does nothing; one after it writes the next snapshot.
    Sample again = completion(1, 90'000, 2'500'000'000, 30);
    m.add(&again, 1);
    EXPECT_EQ(m.fired(), 1u);
    again = completion(1, 90'000, 3'100'000'000, 31);
    m.add(&again, 1);
    EXPECT_EQ(m.fired(), 2u);
    EXPECT_TRUE(std::filesystem::exists(dir / "irqscope-threshold-2-msix-0.irqrec"));
    std::filesystem::remove_all(dir);
}

TEST(ThresholdExec, SpawnsWithoutAShellWithTheEventInTheEnvironment)
{
    const auto dir = freshDir("irqscope-thr-exec");
    const auto script = dir / "spike.sh";
    writeFile(script, "#!/bin/sh\nenv > \"$1\"\n");
    chmod(script.c_str(), 0755);
    const auto out = dir / "env.txt";
    // argv is the rule's words as they are: no shell expands or splits anything.
    ThresholdMonitor m({rule("msix:3@20:exec=" + script.string() + " " + out.string())}, context(dir));
    const Sample s = completion(4, 25'500, 7'000'000'000, 42);
    m.add(&s, 1);
    m.finish();
    const auto env = readFile(out);
    EXPECT_NE(env.find("IRQSCOPE_VECTOR=msix:3\n"), std::string::npos) << env;
    EXPECT_NE(env.find("IRQSCOPE_LATENCY_NS=25500\n"), std::string::npos);
    EXPECT_NE(env.find("IRQSCOPE_THRESHOLD_NS=20000\n"), std::string::npos);
    EXPECT_NE(env.find("IRQSCOPE_SEQ=42\n"), std::string::npos);
    EXPECT_NE(env.find("IRQSCOPE_DEVICE=sim\n"), std::string::npos);
    const auto messages = m.takeMessages();
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_NE(messages[0].find("ran "), std::string::npos);
    // A command that does not exist is reported, not fatal.
    ThresholdMonitor missing({rule("1:exec=/nonexistent/irqscope-action")}, context(dir));
    missing.add(&s, 1);
    const auto m2 = missing.takeMessages();
    ASSERT_EQ(m2.size(), 1u);
    EXPECT_NE(m2[0].find("cannot run"), std::string::npos) << m2[0];
    std::filesystem::remove_all(dir);
}

TEST(ThresholdCli, StopEndsTheRunEarlyAndSnapshotFilesAreReportable)
{
    // Device-raised triggers with a fixed 40 us device delay: every completion is above the 10 us thresholds on
    // any machine (the machine's own wake-up only adds to the delay), so the first msix:1 completion stops the run.
    // That the stop ended the 20 s run early is read from the run's own report, not from a wall clock.
    const auto dir = freshDir("irqscope-thr-cli");
    const auto json = dir / "r.json";
    const auto r = runCli("run --device sim --vectors msix:0-1 --trigger device --rate 500 --duration 20s "
                          "--sim-latency fixed:40us --on-threshold 'msix:1@10:stop' --on-threshold 10:snapshot "
                          "--threshold-samples 64 --threshold-dir " +
                          dir.string() + " --json " + json.string());
    ASSERT_EQ(r.exitCode, 0) << r.output;
    EXPECT_NE(r.output.find("threshold: msix:1 latency"), std::string::npos) << r.output;
    const auto report = nlohmann::json::parse(readFile(json));
    EXPECT_EQ(report["run"]["stop_reason"].get<std::string>().rfind("threshold: msix:1 latency", 0), 0u)
        << report["run"]["stop_reason"];
    EXPECT_LT(report["run"]["duration_s"].get<double>(), 20.0) << "stop must end a 20 s run early";
    const auto& msix1 = report["vectors"][1];
    EXPECT_EQ(msix1["name"], "msix:1");
    EXPECT_GE(msix1["latency_ns"]["min"].get<int64_t>(), 40'000) << "the sim's device delay is a floor";
    bool found = false;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().extension() != ".irqrec")
            continue;
        found = true;
        const auto rep = runCli("report " + e.path().string() + " --cyclictest");
        EXPECT_EQ(rep.exitCode, 0) << rep.output;
        EXPECT_NE(rep.output.find("T: 0"), std::string::npos) << rep.output;
    }
    EXPECT_TRUE(found) << "a snapshot recording";
    const auto bad = runCli("run --device sim --duration 1s --on-threshold 5:explode");
    EXPECT_EQ(bad.exitCode, 2);
    EXPECT_EQ(std::count(bad.output.begin(), bad.output.end(), '\n'), 1) << bad.output;
    std::filesystem::remove_all(dir);
}

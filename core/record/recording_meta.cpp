// RecordingMeta and final-snapshot JSON codecs.
#include "record/recording_meta.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace irqscope::core {

uint32_t slotTotal(const RecordingMeta& meta)
{
    uint64_t total = 0;
    for (uint32_t c : meta.slotCounts)
        total += c;
    return static_cast<uint32_t>(std::min<uint64_t>(total, UINT32_MAX));
}

nlohmann::json metaJson(const RecordingMeta& m)
{
    const auto& r = m.run;
    return {{"format", "irqscope.recording"},
            {"run",
             {{"device_description", r.deviceDescription},
              {"vectors", r.vectors},
              {"trigger", r.trigger},
              {"rate_hz", r.rateHz},
              {"deadline_ns", r.deadlineNs},
              {"sim_kernel", r.simKernel},
              {"sim_latency", r.simLatency},
              {"sim_faults", r.simFaults},
              {"command_line", r.commandLine},
              {"stop_reason", r.stopReason}}},
            {"system", systemInfoJson(m.system)},
            {"tuning", tuningJson(m.tuning)},
            {"device_id", m.deviceId},
            {"slot_counts", m.slotCounts},
            {"origin_ns", m.originNs},
            {"start_wall_ns", m.startWallNs}};
}

RecordingMeta metaFromJson(const nlohmann::json& j)
{
    RecordingMeta m;
    if (j.at("format").get<std::string>() != "irqscope.recording")
        throw std::runtime_error("META is not an irqscope.recording");
    const auto& r = j.at("run");
    m.run.deviceDescription = r.at("device_description").get<std::string>();
    m.run.vectors = r.at("vectors").get<std::string>();
    m.run.trigger = r.at("trigger").get<std::string>();
    m.run.rateHz = r.at("rate_hz").get<double>();
    m.run.deadlineNs = r.at("deadline_ns").get<int64_t>();
    m.run.simKernel = r.at("sim_kernel").get<std::string>();
    m.run.simLatency = r.at("sim_latency").get<std::string>();
    m.run.simFaults = r.at("sim_faults").get<std::string>();
    m.run.commandLine = r.at("command_line").get<std::string>();
    m.run.stopReason = r.at("stop_reason").get<std::string>();
    m.system = systemInfoFromJson(j.at("system"));
    m.tuning = tuningFromJson(j.at("tuning"));
    m.deviceId = j.at("device_id").get<std::string>();
    m.slotCounts = j.at("slot_counts").get<std::array<uint32_t, kNumPciIrqIndexes>>();
    for (uint32_t c : m.slotCounts) {
        if (c > 65536)
            throw std::runtime_error("META slot_counts out of range");
    }
    m.originNs = j.at("origin_ns").get<int64_t>();
    m.startWallNs = j.at("start_wall_ns").get<int64_t>();
    // Clock readings: never negative (sample times are checked against the same bound).
    if (m.originNs < 0 || m.startWallNs < 0)
        throw std::runtime_error("META origin_ns or start_wall_ns is negative");
    return m;
}

nlohmann::json snapshotJson(const Snapshot& snap)
{
    const auto& e = snap.engine;
    nlohmann::json vectors = nlohmann::json::array();
    for (const auto& v : snap.vectors) {
        const auto& c = v.counters;
        vectors.push_back({{"slot", v.slot},
                           {"index", static_cast<uint32_t>(v.id.index)},
                           {"sub", v.id.sub},
                           {"name", v.name},
                           {"counters",
                            {c.triggered, c.completed, c.coalesced, c.missed, c.inFlight, c.spurious,
                             c.deviceOriginated, c.errors, c.skipped, c.unmasks}},
                           // Its own key, so that readers of recordings before it keep reading "counters".
                           {"schedule", {{"requested", c.requested}, {"behind", c.behind}}},
                           {"state", c.state},
                           {"last_errno", c.lastErrno},
                           {"last_completion_ns", c.lastCompletionNs},
                           {"completion_rate_hz", v.completionRateHz},
                           {"trigger_rate_hz", v.triggerRateHz},
                           {"last_error", v.lastError},
                           {"host_irq", v.hostIrq},
                           {"host_cpu", v.hostCpu},
                           {"host_count", v.hostCount}});
    }
    return {{"generation", snap.generation},
            {"monotonic_ns", snap.monotonicNs},
            {"wall_time_ns", snap.wallTimeNs},
            {"elapsed_s", snap.elapsedSec},
            {"device_id", snap.deviceId},
            {"samples_per_s", snap.samplesPerSec},
            {"engine",
             {{"running", e.running},
              {"core_cpu", e.coreCpu},
              {"trigger_cpu", e.triggerCpu},
              {"poller_cpu", e.pollerCpu},
              {"delivery_note", e.deliveryNote},
              {"policy", e.policy},
              {"mlocked", e.mlocked},
              {"pm_qos", e.pmQos},
              {"trigger_mode", static_cast<int>(e.triggerMode)},
              {"rate_hz", e.rateHz},
              {"loops", e.loops},
              {"completions", e.completions},
              {"samples_pushed", e.samplesPushed},
              {"ring_drops", e.ringDrops},
              {"core_allocations_after_arm", e.coreAllocationsAfterArm},
              {"started_ns", e.startedNs},
              {"stop_reason", e.stopReason}}},
            {"vectors", vectors}};
}

Snapshot snapshotFromJson(const nlohmann::json& j)
{
    Snapshot snap;
    snap.generation = j.at("generation").get<uint64_t>();
    snap.monotonicNs = j.at("monotonic_ns").get<int64_t>();
    snap.wallTimeNs = j.at("wall_time_ns").get<int64_t>();
    snap.elapsedSec = j.at("elapsed_s").get<double>();
    snap.deviceId = j.at("device_id").get<std::string>();
    snap.samplesPerSec = j.at("samples_per_s").get<double>();
    const auto& e = j.at("engine");
    auto& s = snap.engine;
    s.running = e.at("running").get<bool>();
    s.coreCpu = e.at("core_cpu").get<int>();
    s.triggerCpu = e.at("trigger_cpu").get<int>();
    s.pollerCpu = e.value("poller_cpu", -1); // absent before recording version 2
    s.deliveryNote = e.value("delivery_note", std::string());
    s.policy = e.at("policy").get<std::string>();
    s.mlocked = e.at("mlocked").get<bool>();
    s.pmQos = e.at("pm_qos").get<bool>();
    const int mode = e.at("trigger_mode").get<int>();
    if (mode < 0 || mode > static_cast<int>(TriggerMode::Device))
        throw std::runtime_error("FINAL trigger_mode out of range");
    s.triggerMode = static_cast<TriggerMode>(mode);
    s.rateHz = e.at("rate_hz").get<double>();
    s.loops = e.at("loops").get<uint64_t>();
    s.completions = e.at("completions").get<uint64_t>();
    s.samplesPushed = e.at("samples_pushed").get<uint64_t>();
    s.ringDrops = e.at("ring_drops").get<uint64_t>();
    s.coreAllocationsAfterArm = e.at("core_allocations_after_arm").get<uint64_t>();
    s.startedNs = e.at("started_ns").get<int64_t>();
    s.stopReason = e.at("stop_reason").get<std::string>();
    for (const auto& v : j.at("vectors")) {
        VectorSnapshot& out = snap.vectors.emplace_back();
        out.slot = v.at("slot").get<uint32_t>();
        const uint32_t index = v.at("index").get<uint32_t>();
        if (index >= kNumPciIrqIndexes)
            throw std::runtime_error("FINAL vector index out of range");
        out.id = VectorId{static_cast<IrqIndex>(index), v.at("sub").get<uint32_t>()};
        out.name = v.at("name").get<std::string>();
        const auto c = v.at("counters").get<std::array<uint64_t, 10>>();
        auto& o = out.counters;
        o.triggered = c[0];
        o.completed = c[1];
        o.coalesced = c[2];
        o.missed = c[3];
        o.inFlight = c[4];
        o.spurious = c[5];
        o.deviceOriginated = c[6];
        o.errors = c[7];
        o.skipped = c[8];
        o.unmasks = c[9];
        if (const auto schedule = v.find("schedule"); schedule != v.end()) {
            o.requested = schedule->at("requested").get<uint64_t>();
            o.behind = schedule->at("behind").get<uint64_t>();
        }
        o.state = v.at("state").get<uint32_t>();
        o.lastErrno = v.at("last_errno").get<int32_t>();
        o.lastCompletionNs = v.at("last_completion_ns").get<int64_t>();
        out.completionRateHz = v.at("completion_rate_hz").get<double>();
        out.triggerRateHz = v.at("trigger_rate_hz").get<double>();
        out.lastError = v.at("last_error").get<std::string>();
        out.hostIrq = v.at("host_irq").get<int>();
        out.hostCpu = v.at("host_cpu").get<int>();
        out.hostCount = v.value("host_count", uint64_t{0}); // added in 0.1: older recordings lack it
    }
    return snap;
}

} // namespace irqscope::core

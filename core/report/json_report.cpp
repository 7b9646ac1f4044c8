#include "report/json_report.h"

#include "base/time_text.h"
#include "engine/instrument_floor.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <sys/stat.h>

namespace irqscope::core {

namespace {

nlohmann::json latencyJson(const LatencySummary& l)
{
    if (l.count == 0)
        return {{"count", 0}};
    return {{"count", l.count}, {"min", l.minNs},    {"mean", l.meanNs},    {"p50", l.p50Ns}, {"p90", l.p90Ns},
            {"p99", l.p99Ns},   {"p99_9", l.p999Ns}, {"p99_99", l.p9999Ns}, {"max", l.maxNs}};
}

nlohmann::json irqThreadJson(const std::optional<IrqThreadInfo>& t)
{
    if (!t)
        return nullptr;
    return {{"pid", t->pid},
            {"comm", t->comm},
            {"policy", t->policy},
            {"priority", t->priority},
            {"affinity", t->affinity},
            {"cpu", t->lastCpu >= 0 ? nlohmann::json(t->lastCpu) : nlohmann::json(nullptr)},
            {"irq_affinity", t->irqAffinity}};
}

nlohmann::json stateArray(uint32_t state)
{
    nlohmann::json a = nlohmann::json::array();
    const std::pair<uint32_t, const char*> names[] = {
        {vstate::kArmed, "armed"},     {vstate::kUserMasked, "masked"}, {vstate::kAutomasked, "automasked"},
        {vstate::kPending, "pending"}, {vstate::kStuck, "stuck"},       {vstate::kTriggering, "triggering"}};
    for (const auto& [bit, name] : names) {
        if (state & bit)
            a.push_back(name);
    }
    if (!(state & vstate::kArmed))
        a.push_back("disarmed");
    return a;
}

} // namespace

std::string stateText(uint32_t state)
{
    std::string out;
    for (const auto& s : stateArray(state)) {
        if (s == "triggering")
            continue;
        out += (out.empty() ? "" : ",") + s.get<std::string>();
    }
    return out;
}

nlohmann::json vectorJson(const VectorSnapshot& v, double elapsedSec)
{
    // Over the whole run: the rates above cover only its last second, which reads low once the run drained.
    const auto mean = [elapsedSec](uint64_t n) {
        return elapsedSec > 0 ? static_cast<double>(n) / elapsedSec : 0.0;
    };
    const auto& c = v.counters;
    nlohmann::json j = {
        {"name", v.name},
        {"index", std::string(irqIndexName(v.id.index))},
        {"subindex", v.id.sub},
        {"triggered", c.triggered},
        {"completed", c.completed},
        {"coalesced", c.coalesced},
        {"missed", c.missed},
        {"in_flight", c.inFlight},
        {"spurious", c.spurious},
        {"device_originated", c.deviceOriginated},
        {"errors", c.errors},
        {"skipped", c.skipped},
        {"unmasks", c.unmasks},
        {"requested", c.requested},
        {"shortfall", c.skipped + c.behind},
        {"schedule_behind", c.behind},
        {"balanced", c.triggered == c.completed + c.coalesced + c.missed + c.inFlight},
        {"state", stateArray(c.state)},
        {"completion_rate_hz", v.completionRateHz},
        {"trigger_rate_hz", v.triggerRateHz},
        {"mean_completion_rate_hz", mean(v.completions())},
        {"mean_trigger_rate_hz", mean(c.triggered)},
        {"latency_ns", latencyJson(v.latency)},
        {"last_error", v.lastError},
        {"last_errno", c.lastErrno},
        {"host_irq", v.hostIrq >= 0 ? nlohmann::json(v.hostIrq) : nlohmann::json(nullptr)},
        {"host_cpu", v.hostCpu >= 0 ? nlohmann::json(v.hostCpu) : nlohmann::json(nullptr)},
        {"host_count", v.hostIrq >= 0 ? nlohmann::json(v.hostCount) : nlohmann::json(nullptr)},
        {"host_completion_gap", v.hostIrq >= 0 ? nlohmann::json(v.hostCompletionGap()) : nlohmann::json(nullptr)},
        {"irq_thread", irqThreadJson(v.irqThread)},
    };
    // Interrupt delivery (docs/dma-triggers.md §6), only for vectors the delivery poller watched.
    if (v.deliveryTracked) {
        j["delivery_latency_ns"] = latencyJson(v.delivery);
        j["delivery_unstamped"] = v.deliveryUnstamped;
        if (v.deliveryRoundTrip.count > 0) // final reports: the round trips of the same stamped completions
            j["delivery_round_trip_ns"] = latencyJson(v.deliveryRoundTrip);
    }
    return j;
}

nlohmann::json instrumentFloorJson(const Snapshot& snapshot)
{
    if (snapshot.floor.count == 0)
        return nullptr;
    return {{"rate_hz", kInstrumentFloorRateHz}, {"latency_ns", latencyJson(snapshot.floor)}};
}

nlohmann::json reportJson(const Snapshot& snapshot, const RunDescription& run, const SystemInfo& system)
{
    nlohmann::json vectors = nlohmann::json::array();
    uint64_t triggered = 0, completed = 0, coalesced = 0, missed = 0, inFlight = 0, spurious = 0, errors = 0;
    uint64_t requested = 0, shortfall = 0;
    for (const auto& v : snapshot.vectors) {
        vectors.push_back(vectorJson(v, snapshot.elapsedSec));
        requested += v.counters.requested;
        shortfall += v.counters.skipped + v.counters.behind;
        triggered += v.counters.triggered;
        completed += v.counters.completed;
        coalesced += v.counters.coalesced;
        missed += v.counters.missed;
        inFlight += v.counters.inFlight;
        spurious += v.counters.spurious;
        errors += v.counters.errors;
    }
    const auto& e = snapshot.engine;
    nlohmann::json report = {
        {"schema", "irqscope.report"},
        {"schema_version", kReportSchemaVersion},
        {"irqscope_version", IRQSCOPE_VERSION},
        {"generated_at", isoUtcSeconds(snapshot.wallTimeNs)},
        {"system", systemInfoJson(system)},
        {"device", {{"id", snapshot.deviceId}, {"description", run.deviceDescription}}},
        {"config",
         {{"vectors", run.vectors},
          {"trigger", run.trigger},
          {"rate_hz", run.rateHz},
          {"deadline_ns", run.deadlineNs},
          {"core_cpu", e.coreCpu},
          {"trigger_cpu", e.triggerCpu >= 0 ? nlohmann::json(e.triggerCpu) : nlohmann::json(nullptr)},
          {"poller_cpu", e.pollerCpu >= 0 ? nlohmann::json(e.pollerCpu) : nlohmann::json(nullptr)},
          {"delivery_note", e.deliveryNote},
          {"policy", e.policy},
          {"mlock", e.mlocked},
          {"pm_qos", e.pmQos},
          {"sim_kernel", run.simKernel},
          {"sim_latency", run.simLatency},
          {"sim_faults", run.simFaults},
          {"command_line", run.commandLine},
          {"host_tuning", run.hostTuning}}},
        {"run",
         {{"duration_s", snapshot.elapsedSec},
          {"stop_reason", run.stopReason},
          {"samples", e.samplesPushed},
          {"ring_drops", e.ringDrops},
          {"core_loops", e.loops},
          {"core_allocations_after_arm", e.coreAllocationsAfterArm}}},
        {"totals",
         {{"requested", requested},
          {"shortfall", shortfall},
          {"triggered", triggered},
          {"completed", completed},
          {"coalesced", coalesced},
          {"missed", missed},
          {"in_flight", inFlight},
          {"spurious", spurious},
          {"errors", errors},
          {"balanced", triggered == completed + coalesced + missed + inFlight}}},
        {"vectors", vectors},
        {"warnings", run.warnings},
    };
    if (auto floor = instrumentFloorJson(snapshot); !floor.is_null())
        report["instrument_floor"] = std::move(floor);
    return report;
}

nlohmann::json intervalJson(const Snapshot& snapshot)
{
    nlohmann::json vectors = nlohmann::json::array();
    for (const auto& v : snapshot.vectors) {
        auto j = vectorJson(v, snapshot.elapsedSec);
        j["interval_latency_ns"] = latencyJson(v.interval);
        if (v.deliveryTracked)
            j["interval_delivery_latency_ns"] = latencyJson(v.deliveryInterval);
        vectors.push_back(std::move(j));
    }
    nlohmann::json record = {{"type", "interval"},
                             {"generation", snapshot.generation},
                             {"elapsed_s", snapshot.elapsedSec},
                             {"time", isoUtcSeconds(snapshot.wallTimeNs)},
                             {"device", snapshot.deviceId},
                             {"samples_per_s", snapshot.samplesPerSec},
                             {"ring_drops", snapshot.engine.ringDrops},
                             {"vectors", vectors}};
    if (auto floor = instrumentFloorJson(snapshot); !floor.is_null())
        record["instrument_floor"] = std::move(floor);
    return record;
}

std::string writeJsonFile(const std::string& path, const nlohmann::json& json)
{
    // A device or a pipe (/dev/null, /dev/stdout, a FIFO) is written in place: renaming a temporary file over it
    // would replace the device node itself (as root, `--json /dev/null` used to turn /dev/null into a file).
    struct stat st
    {};
    if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
        std::ofstream out(path);
        if (!out)
            return fmt::format("cannot write {}: {}", path, std::strerror(errno));
        out << json.dump(2) << '\n';
        if (!out.flush())
            return fmt::format("cannot write {}: {}", path, std::strerror(errno));
        return {};
    }
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out)
            return fmt::format("cannot write {}: {}", path, std::strerror(errno));
        out << json.dump(2) << '\n';
        if (!out.flush())
            return fmt::format("cannot write {}: {}", path, std::strerror(errno));
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        return fmt::format("cannot write {}: {}", path, std::strerror(errno));
    return {};
}

} // namespace irqscope::core

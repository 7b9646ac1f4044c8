// Observer additions to the JSON report and the JSON Lines records.
#include "observe/observe_report.h"

#include <nlohmann/json.hpp>

namespace irqscope::core {

namespace {

double secondsSince(int64_t startNs, int64_t ns)
{
    return static_cast<double>(ns - startNs) / 1e9;
}

void mergeObserved(nlohmann::json& vectors, const Snapshot& snapshot, int64_t startNs)
{
    for (std::size_t i = 0; i < vectors.size() && i < snapshot.vectors.size(); ++i)
        vectors[i].update(observedVectorJson(snapshot.vectors[i], startNs));
}

} // namespace

nlohmann::json observedVectorJson(const VectorSnapshot& v, int64_t startNs)
{
    nlohmann::json perCpu = nlohmann::json::object();
    for (const auto& [cpu, hz] : v.perCpuRateHz)
        perCpu[std::to_string(cpu)] = hz;
    return {
        {"observed", true},
        {"present", (v.counters.state & vstate::kArmed) != 0},
        {"count", v.counters.deviceOriginated},
        {"rate_hz", v.completionRateHz},
        {"per_cpu_rate_hz", perCpu},
        {"host_unhandled", v.hostUnhandled},
        {"appeared_s", v.appearedNs ? nlohmann::json(secondsSince(startNs, v.appearedNs)) : nlohmann::json()},
        {"disappeared_s", v.disappearedNs ? nlohmann::json(secondsSince(startNs, v.disappearedNs)) : nlohmann::json()}};
}

nlohmann::json observeReportJson(const Snapshot& snapshot, const RunDescription& run, const SystemInfo& system,
                                 const ObserveDescription& observe, const std::vector<ObserverEvent>& events)
{
    nlohmann::json report = reportJson(snapshot, run, system);
    mergeObserved(report["vectors"], snapshot, observe.startNs);
    nlohmann::json timeline = nlohmann::json::array();
    for (const auto& e : events)
        timeline.push_back({{"time_s", secondsSince(observe.startNs, e.timeNs)},
                            {"vector", vectorName(e.vector)},
                            {"event", observerEventName(e.kind)},
                            {"host_irq", e.hostIrq},
                            {"host_cpu", e.hostCpu >= 0 ? nlohmann::json(e.hostCpu) : nlohmann::json()}});
    nlohmann::json owner;
    if (observe.owner)
        owner = {{"name", observe.owner->name}, {"pid", observe.owner->pid}, {"node", observe.owner->node}};
    report["observer"] = {{"owner", owner},
                          {"interval_ns", observe.intervalNs},
                          {"samples", observe.samples},
                          {"skipped_deadlines", observe.skipped},
                          {"latency", "not measured: observer mode reads /proc counters only"},
                          {"handler_timing", observe.handlerTiming},
                          {"events", timeline}};
    return report;
}

nlohmann::json observeIntervalJson(const Snapshot& snapshot, int64_t startNs)
{
    nlohmann::json record = intervalJson(snapshot);
    record["observed"] = true;
    mergeObserved(record["vectors"], snapshot, startNs);
    return record;
}

} // namespace irqscope::core

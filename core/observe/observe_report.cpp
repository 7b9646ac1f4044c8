// Observer additions to the JSON report and the JSON Lines records.
#include "observe/observe_report.h"

#include "engine/vector_counters.h"

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
        vectors[i].update(observedVectorJson(snapshot.vectors[i], startNs, snapshot.monotonicNs));
}

} // namespace

nlohmann::json observedVectorJson(const VectorSnapshot& v, int64_t startNs, int64_t nowNs)
{
    // The mean over the time its count covers: from when it (last) appeared to now, or, for a gone vector, to the
    // last sample that saw it (what it took between that sample and its going is unknowable from /proc).
    const bool present = (v.counters.state & vstate::kArmed) != 0;
    const int64_t from = v.appearedNs ? v.appearedNs : startNs;
    const int64_t to = present ? nowNs : v.lastSeenNs ? v.lastSeenNs : v.disappearedNs ? v.disappearedNs : nowNs;
    const double meanHz =
        to > from ? static_cast<double>(v.counters.deviceOriginated) * 1e9 / static_cast<double>(to - from) : 0.0;
    nlohmann::json perCpu = nlohmann::json::object();
    for (const auto& [cpu, hz] : v.perCpuRateHz)
        perCpu[std::to_string(cpu)] = hz;
    return {
        {"observed", true},
        {"present", present},
        {"count", v.counters.deviceOriginated},
        {"rate_hz", v.completionRateHz},
        {"mean_rate_hz", meanHz},
        {"per_cpu_rate_hz", perCpu},
        {"host_unhandled", v.hostUnhandled},
        {"appeared_s", v.appearedNs ? nlohmann::json(secondsSince(startNs, v.appearedNs)) : nlohmann::json()},
        {"disappeared_s", v.disappearedNs ? nlohmann::json(secondsSince(startNs, v.disappearedNs)) : nlohmann::json()},
        {"last_seen_s", v.lastSeenNs ? nlohmann::json(secondsSince(startNs, v.lastSeenNs)) : nlohmann::json()}};
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
                          {"start_monotonic_ns", observe.startNs},
                          {"end_monotonic_ns", snapshot.monotonicNs},
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

void addHandlerTimings(nlohmann::json& report, const Snapshot& snapshot,
                       const std::map<VectorId, HandlerTiming>& timings)
{
    auto& vectors = report["vectors"];
    for (std::size_t i = 0; i < vectors.size() && i < snapshot.vectors.size(); ++i) {
        const auto t = timings.find(snapshot.vectors[i].id);
        if (t == timings.end())
            continue;
        nlohmann::json histogram = nlohmann::json::array();
        for (const auto& [us, n] : t->second.histogramUs)
            histogram.push_back({us, n});
        vectors[i]["handler_us"] = {{"count", t->second.count},
                                    {"min", t->second.minUs},
                                    {"mean", t->second.meanUs},
                                    {"max", t->second.maxUs},
                                    {"histogram", histogram}};
    }
}

} // namespace irqscope::core

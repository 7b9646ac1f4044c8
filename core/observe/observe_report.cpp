// Observer additions to the JSON report and the JSON Lines records.
#include "observe/observe_report.h"

#include "observe/irq_delivery.h"
#include "observe/observed_columns.h"

#include <nlohmann/json.hpp>

namespace irqscope::core {

namespace {

double secondsSince(int64_t startNs, int64_t ns)
{
    return static_cast<double>(ns - startNs) / 1e9;
}

void mergeObserved(nlohmann::json& vectors, const Snapshot& snapshot, int64_t startNs)
{
    for (std::size_t i = 0; i < vectors.size() && i < snapshot.vectors.size(); ++i) {
        vectors[i].update(observedVectorJson(snapshot.vectors[i], startNs, snapshot.monotonicNs));
        if (vectors[i]["rate_hz"].is_null()) { // posted: the v1 rate keys say nothing either
            vectors[i]["completion_rate_hz"] = nullptr;
            if (vectors[i].contains("mean_completion_rate_hz"))
                vectors[i]["mean_completion_rate_hz"] = nullptr;
        }
    }
}

nlohmann::json hostRowsJson(const Snapshot& snapshot)
{
    nlohmann::json rows = nlohmann::json::object();
    for (const char* name : {"PIN", "PIW", "PMN"})
        rows[name] = nullptr; // absent from this kernel's /proc/interrupts
    for (const auto& row : snapshot.observedHostRows) {
        nlohmann::json perCpu = nlohmann::json::object();
        for (const auto& [cpu, hz] : row.perCpuRateHz)
            perCpu[std::to_string(cpu)] = hz;
        rows[row.name] = {{"count", row.count}, {"per_cpu_rate_hz", perCpu}};
    }
    return rows;
}

} // namespace

nlohmann::json observedVectorJson(const VectorSnapshot& v, int64_t startNs, int64_t nowNs)
{
    static const ObservedVector kNotObserved; // (the observer sets `observed` on every vector)
    const ObservedVector& o = v.observed ? *v.observed : kNotObserved;
    // The mean over the time its count covers: from when it (last) appeared to now, or, for a gone vector, to the
    // last sample that saw it (what it took between that sample and its going is unknowable from /proc).
    const int64_t from = o.appearedNs ? o.appearedNs : startNs;
    const int64_t to = o.present ? nowNs : o.lastSeenNs ? o.lastSeenNs : o.disappearedNs ? o.disappearedNs : nowNs;
    const double meanHz = to > from ? static_cast<double>(o.hostCount) * 1e9 / static_cast<double>(to - from) : 0.0;
    nlohmann::json perCpu = nlohmann::json::object();
    for (const auto& [cpu, hz] : o.perCpuRateHz)
        perCpu[std::to_string(cpu)] = hz;
    // A posted vector's interrupts never reach the host's handler: its host rate is no interrupt rate, so the
    // rates are null and "delivery" says why (docs/observer.md "Delivery").
    const bool posted = o.delivery == ObservedDelivery::Posted || o.delivery == ObservedDelivery::LikelyPosted;
    return {
        {"delivery", deliveryName(o.delivery)},
        {"delivery_reason", o.deliveryReason},
        {"observed", true},
        {"present", o.present},
        {"count", o.hostCount},
        {"rate_hz", posted ? nlohmann::json() : nlohmann::json(o.hostRateHz)},
        {"mean_rate_hz", posted ? nlohmann::json() : nlohmann::json(meanHz)},
        {"per_cpu_rate_hz", perCpu},
        {"host_unhandled", o.hostUnhandled},
        {"appeared_s", o.appearedNs ? nlohmann::json(secondsSince(startNs, o.appearedNs)) : nlohmann::json()},
        {"disappeared_s", o.disappearedNs ? nlohmann::json(secondsSince(startNs, o.disappearedNs)) : nlohmann::json()},
        {"last_seen_s", o.lastSeenNs ? nlohmann::json(secondsSince(startNs, o.lastSeenNs)) : nlohmann::json()}};
}

nlohmann::json observeReportJson(const Snapshot& snapshot, const RunDescription& run, const SystemInfo& system,
                                 const ObserveDescription& observe, const std::vector<ObserverEvent>& events)
{
    // The v1 keys show the observed numbers in the active-mode columns (docs/observer.md).
    nlohmann::json report = reportJson(observedInActiveColumns(snapshot), run, system);
    mergeObserved(report["vectors"], snapshot, observe.startNs);
    nlohmann::json timeline = nlohmann::json::array();
    for (const auto& e : events)
        timeline.push_back({{"time_s", secondsSince(observe.startNs, e.timeNs)},
                            {"vector", vectorName(e.vector)},
                            {"event", observerEventName(e.kind)},
                            {"host_irq", e.hostIrq},
                            {"host_cpu", e.hostCpu >= 0 ? nlohmann::json(e.hostCpu) : nlohmann::json()}});
    report["observer"] = {{"owner", ownerJson(observe.owner)},
                          {"interval_ns", observe.intervalNs},
                          {"start_monotonic_ns", observe.startNs},
                          {"end_monotonic_ns", snapshot.monotonicNs},
                          {"samples", observe.samples},
                          {"skipped_deadlines", observe.skipped},
                          {"latency", "not measured: observer mode reads /proc counters only"},
                          {"handler_timing", observe.handlerTiming},
                          {"delivery",
                           {{"posting_facts", observe.postingFacts},
                            {"irte_trace", observe.irteTrace},
                            {"posted_notification_rows", hostRowsJson(snapshot)}}},
                          {"events", timeline}};
    return report;
}

nlohmann::json vmJson(const std::optional<VmIdentity>& vm)
{
    if (!vm)
        return nullptr;
    nlohmann::json vcpus = nlohmann::json::array();
    for (const auto& t : vm->vcpus)
        vcpus.push_back({{"vcpu", t.index},
                         {"tid", t.tid},
                         {"cpu", t.lastCpu >= 0 ? nlohmann::json(t.lastCpu) : nlohmann::json()}});
    return {{"vmm", vm->vmm},
            {"name", vm->name},
            {"name_source", vm->nameSource},
            {"accelerator", vm->accelerator},
            {"holds_kvm", vm->holdsKvm},
            {"vcpus", vcpus}};
}

nlohmann::json ownerJson(const std::optional<DeviceOwner>& owner)
{
    if (!owner)
        return nullptr;
    return {{"name", owner->name}, {"pid", owner->pid}, {"node", owner->node}, {"vm", vmJson(owner->vm)}};
}

nlohmann::json observeIntervalJson(const Snapshot& snapshot, int64_t startNs)
{
    nlohmann::json record = intervalJson(observedInActiveColumns(snapshot));
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

// JSON for observer mode: the active-mode report and JSON Lines records (report/json_report.h, unchanged), whose
// v1 keys show the observed numbers (observe/observed_columns.h), with what the observer adds: the owner, the
// sampling, per-vector counts, total and per-CPU rates, the spurious counters and when each vector appeared or
// disappeared, and the timeline of those changes. Latency stays "count": 0 (not measured).
#pragma once

#include "observe/handler_timing.h"
#include "observe/observer_model.h"
#include "report/json_report.h"
#include "vfio/device_owner.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace irqscope::core {

struct ObserveDescription
{
    std::optional<DeviceOwner> owner; // at the start
    int64_t intervalNs = 0;
    int64_t startNs = 0; // CLOCK_MONOTONIC of the baseline sample: the origin of every "_s" time
    uint64_t samples = 0;
    uint64_t skipped = 0;
    std::string handlerTiming; // handlerTimingStatus()
    std::string postingFacts;  // postingFactsText(): what the host can post
    std::string irteTrace;     // kvm:kvm_pi_irte_update: "kvm:kvm_pi_irte_update traced in ..." or "not available: ..."
};

// A VM owner as JSON: {vmm, name, name_source, accelerator, holds_kvm, vcpus: [{vcpu, tid, cpu}]}; null for none.
// `irqscope list --json` shows the same object as owner_vm.
nlohmann::json vmJson(const std::optional<VmIdentity>& vm);
// The owner as JSON: name, pid, node and "vm" (vmJson); null without an owner.
nlohmann::json ownerJson(const std::optional<DeviceOwner>& owner);

// The observer fields of one vector (merged into vectorJson's object by the two functions below); `nowNs` is
// the snapshot's time. mean_rate_hz is the count over the time the vector was present.
nlohmann::json observedVectorJson(const VectorSnapshot& v, int64_t startNs, int64_t nowNs);

nlohmann::json observeReportJson(const Snapshot& snapshot, const RunDescription& run, const SystemInfo& system,
                                 const ObserveDescription& observe, const std::vector<ObserverEvent>& events);
nlohmann::json observeIntervalJson(const Snapshot& snapshot, int64_t startNs);

// Adds "handler_us" ({count, min, mean, max, histogram: [[us, handlers], ...]}) to each vector of `report` that
// has host handler timings (HandlerTracer).
void addHandlerTimings(nlohmann::json& report, const Snapshot& snapshot,
                       const std::map<VectorId, HandlerTiming>& timings);

} // namespace irqscope::core

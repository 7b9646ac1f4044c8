// The delivery latency checks the NVMe and xHCI guest runs share (docs/dma-triggers.md §6): with a second CPU
// every measured vector reports interrupt delivery beside its round trip, the poller stamped enough completions,
// and every stamped completion's delivery is below its own round trip (from the samples CSV); with one CPU the
// report says why there is none. The delivery phase (docs/guest-tests.md §13) boots two vCPUs for exactly this.
#pragma once

#include "vm_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace irqscope::vmtest {

// /init's delivery phase (irqscope.phases=delivery, docs/guest-tests.md §13): two vCPUs, nvme and qemu-xhci only.
inline bool deliveryPhase()
{
    const char* phase = std::getenv("IRQSCOPE_VM_PHASE");
    return phase && std::string_view(phase) == "delivery";
}

// Rate, duration and deadline of the device-raised NVMe and xHCI runs. The delivery phase's guest keeps both cores
// of a 2-core host busy, which other work may load too: a modest rate and a deadline far beyond any completion seen
// under TCG (160 ms at worst), so a vCPU thread the host descheduled for a while does not count as a miss.
inline std::string commandTriggerPacing()
{
    return deliveryPhase() ? "-r 100 -D 2s --deadline 2s" : "-r 200 -D 2s";
}

// How many completions the poller must have stamped with two CPUs (docs/guest-tests.md §13). An unstamped
// completion is one whose eventfd the core thread read before the poller saw the entry in memory
// (docs/dma-triggers.md §6). Under TCG that share is the host's doing: the poller's vCPU is a host thread, and its
// PAUSE takes QEMU's big lock (docs/guest-tests.md pitfall 23). Alone on a quiet 2-core host 94 to 99.5 % of each
// vector's completions were stamped; on a host loaded by builds, as few as 7 % (14) on a vector whose interrupt
// lands on the core thread's CPU, while those on the poller's CPU kept 81 % or more (its vCPU must run to take the
// interrupt), 47 % of a whole run at the least. So: a delivery on every vector, a quarter of the run, and the
// report's own p50s compared only where nearly all were stamped.
inline constexpr uint64_t kMinStampedPerVector = 1;
inline constexpr double kMinStampedShareOfRun = 0.25;
inline constexpr double kReportP50ComparableShare = 0.9;

inline std::vector<std::string> deliveryCsvCells(const std::string& line)
{
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream in(line);
    while (std::getline(in, cell, ','))
        cells.push_back(cell);
    if (!line.empty() && line.back() == ',')
        cells.emplace_back();
    return cells;
}

// One CPU: the run says why it has no delivery latency, and no vector carries any.
inline void expectNoDeliveryWithOneCpu(const nlohmann::json& report)
{
    EXPECT_TRUE(report["config"]["poller_cpu"].is_null());
    EXPECT_NE(report["config"]["delivery_note"].get<std::string>().find("needs a second CPU"), std::string::npos)
        << report["config"]["delivery_note"];
    for (const auto& v : report["vectors"])
        EXPECT_FALSE(v.contains("delivery_latency_ns")) << v["name"];
}

// Per vector from the JSON report: delivery reported, stamped + unstamped = round trips, at least
// kMinStampedPerVector stamped (kMinStampedShareOfRun over all vectors), the delivery max not above the round
// trip's, and where at least kReportP50ComparableShare was stamped the report's delivery p50 below its round trip
// p50 (with fewer, the unstamped are the fast round trips and the two p50s describe different completions). Prints
// one DELIVERY line per vector (docs/dma-triggers.md §6 quotes them).
inline void expectDeliveryPerVector(const nlohmann::json& report, const char* what)
{
    EXPECT_TRUE(report["config"]["poller_cpu"].is_number()) << report["config"];
    EXPECT_EQ(report["config"]["delivery_note"], "");
    uint64_t stampedInRun = 0, roundTripsInRun = 0;
    for (const auto& v : report["vectors"]) {
        ASSERT_TRUE(v.contains("delivery_latency_ns")) << v["name"];
        const auto& d = v["delivery_latency_ns"];
        const auto& l = v["latency_ns"];
        const uint64_t stamped = d["count"].get<uint64_t>(), unstamped = v["delivery_unstamped"].get<uint64_t>();
        const uint64_t roundTrips = l["count"].get<uint64_t>();
        std::printf("DELIVERY %s %s host_cpu=%s core_cpu=%s poller_cpu=%s round_trip count=%llu p50=%s max=%s | "
                    "delivery stamped=%llu unstamped=%llu p50=%s max=%s\n",
                    what, v["name"].get<std::string>().c_str(), v["host_cpu"].dump().c_str(),
                    report["config"]["core_cpu"].dump().c_str(), report["config"]["poller_cpu"].dump().c_str(),
                    static_cast<unsigned long long>(roundTrips), l.value("p50", nlohmann::json()).dump().c_str(),
                    l.value("max", nlohmann::json()).dump().c_str(), static_cast<unsigned long long>(stamped),
                    static_cast<unsigned long long>(unstamped), d.value("p50", nlohmann::json()).dump().c_str(),
                    d.value("max", nlohmann::json()).dump().c_str());
        EXPECT_EQ(stamped + unstamped, roundTrips) << v["name"];
        stampedInRun += stamped;
        roundTripsInRun += roundTrips;
        ASSERT_GE(stamped, kMinStampedPerVector)
            << v["name"] << ": the poller stamped " << stamped << " of " << roundTrips << " completions";
        EXPECT_LE(d["max"].get<int64_t>(), l["max"].get<int64_t>()) << v["name"];
        if (static_cast<double>(stamped) >= kReportP50ComparableShare * static_cast<double>(roundTrips)) {
            EXPECT_LT(d["p50"].get<int64_t>(), l["p50"].get<int64_t>()) << v["name"];
        }
    }
    EXPECT_GE(static_cast<double>(stampedInRun), kMinStampedShareOfRun * static_cast<double>(roundTripsInRun))
        << "the poller stamped " << stampedInRun << " of " << roundTripsInRun << " completions";
}

// The median of `values` (the lower one of an even count); 0 when empty.
inline int64_t deliveryMedian(std::vector<int64_t> values)
{
    if (values.empty())
        return 0;
    const auto mid = values.begin() + static_cast<std::ptrdiff_t>((values.size() - 1) / 2);
    std::nth_element(values.begin(), mid, values.end());
    return *mid;
}

// Sample by sample from the --csv --samples file: every stamped completion's delivery is in 0..its own round trip
// (strictly below: the trigger stamp comes before the doorbell write, so the device's part is never empty), and
// over the stamped completions of each vector the delivery p50 is below their round trip p50; (when the sample
// ring dropped nothing) each vector's stamped samples are the report's delivery count.
inline void expectDeliveryPerSample(const nlohmann::json& report, const std::string& samplesCsv, const char* what)
{
    std::istringstream in(samplesCsv);
    std::string line;
    std::getline(in, line);
    ASSERT_EQ(line, "vector,kind,seq,trigger_ns,completion_ns,latency_ns,value,event,delivery_ns");
    std::map<std::string, std::pair<std::vector<int64_t>, std::vector<int64_t>>> stamped; // round trips, deliveries
    while (std::getline(in, line)) {
        const auto c = deliveryCsvCells(line);
        ASSERT_EQ(c.size(), 9u) << line;
        if (c[1] != "completion" || c[8].empty())
            continue;
        const int64_t roundTrip = std::stoll(c[5]), delivery = std::stoll(c[8]);
        EXPECT_GE(delivery, 0) << line;
        EXPECT_LT(delivery, roundTrip) << "delivery below its own round trip: " << line;
        stamped[c[0]].first.push_back(roundTrip);
        stamped[c[0]].second.push_back(delivery);
    }
    const bool complete = report["run"].value("ring_drops", uint64_t{0}) == 0;
    for (const auto& v : report["vectors"]) {
        const std::string name = v["name"].get<std::string>();
        const auto& [roundTrips, deliveries] = stamped[name];
        const int64_t roundTripP50 = deliveryMedian(roundTrips), deliveryP50 = deliveryMedian(deliveries);
        std::printf("DELIVERY-PAIRED %s %s stamped=%zu round_trip_p50=%lld delivery_p50=%lld\n", what, name.c_str(),
                    deliveries.size(), static_cast<long long>(roundTripP50), static_cast<long long>(deliveryP50));
        ASSERT_FALSE(deliveries.empty()) << name;
        EXPECT_LT(deliveryP50, roundTripP50) << name;
        if (complete) {
            EXPECT_EQ(deliveries.size(), v["delivery_latency_ns"]["count"].get<uint64_t>()) << name;
        }
    }
}

// `report`: the run's JSON report; `samplesCsv`: its --csv --samples file's text.
inline void expectDeliveryBelowRoundTrip(const nlohmann::json& report, const std::string& samplesCsv, const char* what)
{
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (deliveryPhase()) {
        ASSERT_GE(cpus, 2) << "the delivery phase's guest boots two vCPUs (run-vm-tests.sh, *-delivery configs)";
    }
    if (cpus < 2) {
        expectNoDeliveryWithOneCpu(report);
        return;
    }
    expectDeliveryPerVector(report, what);
    expectDeliveryPerSample(report, samplesCsv, what);
}

} // namespace irqscope::vmtest

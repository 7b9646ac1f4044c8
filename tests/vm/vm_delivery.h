// The delivery latency checks the NVMe and xHCI guest runs share (docs/dma-triggers.md §6): with a second CPU
// every measured vector reports interrupt delivery beside its round trip, and every completion's delivery is
// below its own round trip (from the samples CSV); with one CPU the report says why there is none.
#pragma once

#include "vm_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace irqscope::vmtest {

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

// `report`: the run's JSON report; `samplesCsv`: its --csv --samples file's text.
inline void expectDeliveryBelowRoundTrip(const nlohmann::json& report, const std::string& samplesCsv, const char* what)
{
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        EXPECT_TRUE(report["config"]["poller_cpu"].is_null());
        EXPECT_NE(report["config"]["delivery_note"].get<std::string>().find("needs a second CPU"), std::string::npos)
            << report["config"]["delivery_note"];
        for (const auto& v : report["vectors"])
            EXPECT_FALSE(v.contains("delivery_latency_ns")) << v["name"];
        return;
    }
    EXPECT_TRUE(report["config"]["poller_cpu"].is_number());
    EXPECT_EQ(report["config"]["delivery_note"], "");
    for (const auto& v : report["vectors"]) {
        ASSERT_TRUE(v.contains("delivery_latency_ns")) << v["name"];
        const auto& d = v["delivery_latency_ns"];
        const auto& l = v["latency_ns"];
        std::printf("%s %s round trip p50=%s max=%s | delivery count=%s unstamped=%s p50=%s max=%s\n", what,
                    v["name"].dump().c_str(), l["p50"].dump().c_str(), l["max"].dump().c_str(),
                    d["count"].dump().c_str(), v["delivery_unstamped"].dump().c_str(),
                    d.contains("p50") ? d["p50"].dump().c_str() : "-",
                    d.contains("max") ? d["max"].dump().c_str() : "-");
        EXPECT_GT(d["count"].get<uint64_t>(), 0u) << v["name"];
        EXPECT_EQ(d["count"].get<uint64_t>() + v["delivery_unstamped"].get<uint64_t>(), l["count"].get<uint64_t>())
            << v["name"];
        if (d["count"].get<uint64_t>() > 0) {
            EXPECT_LT(d["max"].get<int64_t>(), l["max"].get<int64_t>()) << v["name"];
        }
    }
    // Sample by sample: vector,kind,seq,trigger_ns,completion_ns,latency_ns,value,event,delivery_ns
    std::istringstream in(samplesCsv);
    std::string line;
    std::getline(in, line);
    ASSERT_EQ(line, "vector,kind,seq,trigger_ns,completion_ns,latency_ns,value,event,delivery_ns");
    uint64_t stamped = 0;
    while (std::getline(in, line)) {
        const auto c = deliveryCsvCells(line);
        ASSERT_EQ(c.size(), 9u) << line;
        if (c[1] != "completion" || c[8].empty())
            continue;
        ++stamped;
        EXPECT_GE(std::stoll(c[8]), 0) << line;
        EXPECT_LT(std::stoll(c[8]), std::stoll(c[5])) << "delivery below its own round trip: " << line;
    }
    EXPECT_GT(stamped, 0u);
}

} // namespace irqscope::vmtest

// SystemInfo's JSON: the report and a recording's META write the same "system" object and read it back whole.
#include "report/system_info.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

using namespace irqscope::core;

TEST(SystemInfoJson, RoundTripsEveryField)
{
    const SystemInfo in{"host", "6.12.0-rt", "x86_64", "isolcpus=3 nohz_full=3", "Test CPU @ 3.0GHz", 8, "tsc"};
    const nlohmann::json j = systemInfoJson(in);
    EXPECT_EQ(j, nlohmann::json::parse(R"({"hostname": "host", "kernel": "6.12.0-rt", "machine": "x86_64",
        "cmdline": "isolcpus=3 nohz_full=3", "cpu_model": "Test CPU @ 3.0GHz", "cpus": 8, "clocksource": "tsc"})"));
    // Read back and written again: nothing lost on the way.
    EXPECT_EQ(systemInfoJson(systemInfoFromJson(j)), j);
}

TEST(SystemInfoJson, MissingFieldThrows)
{
    auto j = systemInfoJson(SystemInfo{});
    j.erase("clocksource");
    EXPECT_THROW(systemInfoFromJson(j), nlohmann::json::exception);
}

// The CLI table's shortfall line (app/cli/live_table.cpp): a rate below the one asked for is explained, with the
// numbers of docs/report-schema.md "Requested and shortfall", summed over the vectors; none when nothing fell short.
#include "live_table.h"

#include <gtest/gtest.h>

#include <string>

using namespace irqscope;

namespace {

core::Snapshot liveTableSnapshot()
{
    core::Snapshot s;
    for (uint32_t i = 0; i < 2; ++i) {
        core::VectorSnapshot v;
        v.slot = i;
        v.name = "msix:" + std::to_string(i);
        v.counters.triggered = 900;
        v.counters.completed = 900;
        v.counters.requested = 1'000;
        v.counters.state = core::vstate::kArmed;
        s.vectors.push_back(v);
    }
    return s;
}

std::string shortfallLine(const std::string& table)
{
    const auto at = table.find("shortfall ");
    if (at == std::string::npos)
        return {};
    return table.substr(at, table.find('\n', at) - at);
}

} // namespace

TEST(CliLiveTable, ShortfallLineSaysWhoseItIsSummedOverTheVectors)
{
    core::Snapshot s = liveTableSnapshot();
    s.vectors[0].counters.behind = 70;
    s.vectors[0].counters.skipped = 30;
    s.vectors[1].counters.behind = 100;
    const cli::TableHeader header{"sim (kernel model 6.1)", "loopback @ 1000 Hz/vector", 0};
    EXPECT_EQ(shortfallLine(cli::renderTable(s, header, 40, false)),
              "shortfall 200 of 2000 requested triggers: 170 schedule behind (the firing thread was late), 30 window "
              "full (the device is slower than the rate)");
    // Coloured on a terminal: the same words, in yellow.
    const std::string coloured = cli::renderTable(s, header, 40, true);
    EXPECT_NE(coloured.find("\033[33mshortfall 200 of 2000 requested triggers"), std::string::npos);
}

TEST(CliLiveTable, NoShortfallLineWhenEveryRequestedTriggerFired)
{
    core::Snapshot s = liveTableSnapshot();
    for (auto& v : s.vectors)
        v.counters.requested = v.counters.triggered;
    const cli::TableHeader header{"sim (kernel model 6.1)", "loopback @ 1000 Hz/vector", 0};
    const std::string table = cli::renderTable(s, header, 40, false);
    EXPECT_EQ(shortfallLine(table), "");
    EXPECT_NE(table.find("msix:1"), std::string::npos);
}

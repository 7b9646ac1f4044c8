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

TEST(CliLiveTable, DeliveryColumnsOnlyWhenTheDeliveryPollerWatchesAVector)
{
    core::Snapshot s = liveTableSnapshot();
    const cli::TableHeader header{"sim nvme (kernel model 6.1)", "device @ 100 Hz/vector", 0};
    const std::string without = cli::renderTable(s, header, 40, false);
    EXPECT_EQ(without.find("DLV P50"), std::string::npos);
    EXPECT_EQ(without.find("poller CPU"), std::string::npos);

    s.engine.pollerCpu = 1;
    s.vectors[0].deliveryTracked = true;
    s.vectors[0].delivery.count = 5;
    s.vectors[0].delivery.p50Ns = 3'000'000;
    s.vectors[0].delivery.p99Ns = 4'000'000;
    const std::string with = cli::renderTable(s, header, 40, false);
    EXPECT_NE(with.find("poller CPU 1"), std::string::npos) << with;
    const auto headerAt = with.find("VECTOR");
    ASSERT_NE(headerAt, std::string::npos);
    const std::string columns = with.substr(headerAt, with.find('\n', headerAt) - headerAt);
    EXPECT_NE(columns.find("DLV P50"), std::string::npos) << columns;
    EXPECT_NE(columns.find("DLV P99"), std::string::npos) << columns;
    const auto row0 = with.find("msix:0");
    const std::string line0 = with.substr(row0, with.find('\n', row0) - row0);
    EXPECT_NE(line0.find("  3 ms      4 ms"), std::string::npos) << line0;
    const auto row1 = with.find("msix:1");
    const std::string line1 = with.substr(row1, with.find('\n', row1) - row1);
    EXPECT_EQ(line1.find(" ms"), std::string::npos) << "an unwatched vector shows dashes: " << line1;
}

TEST(CliLiveTable, ARunWithoutAPollerSaysWhyOnce)
{
    core::Snapshot s = liveTableSnapshot();
    s.engine.deliveryNote = "delivery latency needs a second CPU for its poller: only CPU 0 is allowed";
    const cli::TableHeader header{"sim nvme (kernel model 6.1)", "device @ 100 Hz/vector", 0};
    const std::string table = cli::renderTable(s, header, 40, false);
    EXPECT_NE(table.find("no delivery latency: delivery latency needs a second CPU"), std::string::npos) << table;
    EXPECT_EQ(table.find("DLV P50"), std::string::npos);
}

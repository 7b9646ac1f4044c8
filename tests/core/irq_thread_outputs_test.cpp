// A vector's IRQ thread in every output (docs/rt-hosts.md §1): the JSON report and JSON Lines, the CSV summary, the
// HTML/PDF facts and the Prometheus text; and nothing of it where the host does not thread the handler.
#include "metrics/prometheus_text.h"
#include "report/csv_report.h"
#include "report/json_report.h"
#include "report/report_input.h"
#include "report/report_tables.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

using namespace irqscope::core;

namespace {

Snapshot outputsSnapshot(bool threaded)
{
    Snapshot s;
    s.deviceId = "0000:00:02.0";
    VectorSnapshot v;
    v.id = {IrqIndex::Msix, 0};
    v.name = "msix:0";
    v.hostIrq = 35;
    v.hostCpu = 1;
    if (threaded) {
        IrqThreadInfo t;
        t.pid = 412;
        t.comm = "irq/35-vfio-msix";
        t.policy = "SCHED_FIFO";
        t.priority = 50;
        t.affinity = "1";
        t.lastCpu = 1;
        t.irqAffinity = "0-3";
        v.irqThread = t;
    }
    s.vectors.push_back(v);
    return s;
}

} // namespace

TEST(IrqThreadOutputs, JsonReportAndIntervalRecords)
{
    RunDescription run;
    run.warnings = {"a warning"};
    run.hostTuning = {"--deepest-idle-state 0 on CPUs 1: disabled cpu1: C6 (state2-2)"};
    const auto report = reportJson(outputsSnapshot(true), run, SystemInfo{});
    const auto& t = report["vectors"][0]["irq_thread"];
    EXPECT_EQ(t["pid"], 412);
    EXPECT_EQ(t["comm"], "irq/35-vfio-msix");
    EXPECT_EQ(t["policy"], "SCHED_FIFO");
    EXPECT_EQ(t["priority"], 50);
    EXPECT_EQ(t["affinity"], "1");
    EXPECT_EQ(t["cpu"], 1);
    EXPECT_EQ(t["irq_affinity"], "0-3");
    EXPECT_EQ(report["warnings"], nlohmann::json::array({"a warning"}));
    EXPECT_EQ(report["config"]["host_tuning"].size(), 1u);
    EXPECT_EQ(intervalJson(outputsSnapshot(true))["vectors"][0]["irq_thread"]["pid"], 412);
    const auto plain = reportJson(outputsSnapshot(false), RunDescription{}, SystemInfo{});
    EXPECT_TRUE(plain["vectors"][0]["irq_thread"].is_null());
    EXPECT_TRUE(plain["warnings"].empty());
}

TEST(IrqThreadOutputs, CsvColumnsAndFacts)
{
    ReportInput input;
    input.snapshot = outputsSnapshot(true);
    input.run.warnings = {"msix:0: something"};
    const std::string csv = csvSummary(input);
    const auto header = csv.substr(0, csv.find('\n'));
    // The delivery columns (docs/dma-triggers.md §6) follow the thread's; empty on a vector without a poller.
    EXPECT_NE(header.find(",irq_thread_pid,irq_thread_policy,irq_thread_priority,irq_thread_affinity,"
                          "irq_thread_cpu,delivery_count,"),
              std::string::npos)
        << header;
    EXPECT_NE(csv.find(",412,SCHED_FIFO,50,1,1,,,,,,,,,\n"), std::string::npos) << csv;
    bool thread = false, warning = false;
    for (const auto& [key, value] : systemFacts(input)) {
        thread = thread || (key == "IRQ thread msix:0" &&
                            value == "irq/35-vfio-msix (pid 412), SCHED_FIFO 50, CPUs 1, last ran on CPU 1; IRQ 35 "
                                     "on CPU 1");
        warning = warning || (key == "warning" && value == "msix:0: something");
    }
    EXPECT_TRUE(thread);
    EXPECT_TRUE(warning);
    input.snapshot = outputsSnapshot(false);
    const std::string plain = csvSummary(input);
    EXPECT_NE(plain.find(",,,,\n", plain.find('\n')), std::string::npos) << plain;
}

TEST(IrqThreadOutputs, PrometheusFamiliesOnlyOnAThreadingHost)
{
    const ExpositionInfo info{"0.1.0", "run", "0000:00:02.0"};
    const Snapshot threaded = outputsSnapshot(true);
    const std::string text = prometheusText(&threaded, info);
    EXPECT_NE(text.find("# TYPE irqscope_irq_thread_info gauge\n"), std::string::npos);
    EXPECT_NE(
        text.find("irqscope_irq_thread_info{device=\"0000:00:02.0\",index=\"msix\",subindex=\"0\",irq=\"35\","
                  "irq_cpu=\"1\",pid=\"412\",comm=\"irq/35-vfio-msix\",policy=\"SCHED_FIFO\",affinity=\"1\"} 1\n"),
        std::string::npos)
        << text;
    EXPECT_NE(text.find("irqscope_irq_thread_priority{device=\"0000:00:02.0\",index=\"msix\",subindex=\"0\"} 50\n"),
              std::string::npos);
    EXPECT_NE(text.find("irqscope_irq_thread_cpu{device=\"0000:00:02.0\",index=\"msix\",subindex=\"0\"} 1\n"),
              std::string::npos);
    const Snapshot plain = outputsSnapshot(false);
    EXPECT_EQ(prometheusText(&plain, info).find("irq_thread"), std::string::npos);
}

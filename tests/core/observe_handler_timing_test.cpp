// Host handler timing: trace_pipe lines parsed, entry/exit paired per CPU into per-vector durations, and the
// tracer on a fake tracefs tree: the events filtered to the device's IRQs, enabled, then disabled on stop, and
// an instance left by a dead irqscope removed.
#include "observe/handler_timing.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace irqscope::core;

namespace {

constexpr const char* kEntry = "          <idle>-0       [001] d.h2.  1234.567890: irq_handler_entry: irq=24 "
                               "name=vfio-msix[0](0000:00:02.0)";
constexpr const char* kExit = "          <idle>-0       [001] d.h2.  1234.567893: irq_handler_exit: irq=24 ret=handled";

std::string slurp(const std::filesystem::path& p)
{
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST(ObserveHandlerTiming, ParsesEntryAndExitLines)
{
    const auto entry = parseHandlerTraceLine(kEntry);
    ASSERT_TRUE(entry);
    EXPECT_TRUE(entry->entry);
    EXPECT_EQ(entry->cpu, 1);
    EXPECT_EQ(entry->irq, 24);
    EXPECT_EQ(entry->timeUs, 1234567890);
    const auto exit = parseHandlerTraceLine(kExit);
    ASSERT_TRUE(exit);
    EXPECT_FALSE(exit->entry);
    EXPECT_EQ(exit->timeUs, 1234567893);
    // Other events, headers and cut lines are not handler events.
    EXPECT_FALSE(parseHandlerTraceLine("# tracer: nop"));
    EXPECT_FALSE(parseHandlerTraceLine("  bash-1 [000] ..... 5.000001: softirq_entry: vec=1 [action=TIMER]"));
    EXPECT_FALSE(parseHandlerTraceLine("          <idle>-0       [001] d.h2.  1234.5678"));
    EXPECT_FALSE(parseHandlerTraceLine("  <idle>-0 [001] d.h2. 12.34: irq_handler_exit: irq=24 ret=handled"));
}

TEST(ObserveHandlerTiming, PairsEntryAndExitPerCpuIntoPerVectorHistograms)
{
    HandlerDurations d;
    d.setIrqs({{24, {IrqIndex::Msix, 0}}, {25, {IrqIndex::Msix, 1}}});
    // Fed in pieces cut mid-line; CPU 0 and CPU 1 interleave; IRQ 30 is not the device's; an exit without its
    // entry (tracing started in the middle of a handler) is dropped.
    const std::string text = "  x-1 [000] d.h1. 10.000010: irq_handler_exit: irq=24 ret=handled\n"
                             "  x-1 [000] d.h1. 10.000100: irq_handler_entry: irq=24 name=a\n"
                             "  x-1 [001] d.h1. 10.000101: irq_handler_entry: irq=25 name=b\n"
                             "  x-1 [000] d.h1. 10.000103: irq_handler_exit: irq=24 ret=handled\n"
                             "  x-1 [001] d.h1. 10.000111: irq_handler_exit: irq=25 ret=handled\n"
                             "  x-1 [000] d.h1. 10.000200: irq_handler_entry: irq=30 name=c\n"
                             "  x-1 [000] d.h1. 10.000201: irq_handler_exit: irq=30 ret=handled\n"
                             "  x-1 [000] d.h1. 10.000300: irq_handler_entry: irq=24 name=a\n"
                             "  x-1 [000] d.h1. 10.000303: irq_handler_exit: irq=24 ret=handled\n";
    for (std::size_t at = 0; at < text.size(); at += 37)
        d.feed(std::string_view(text).substr(at, 37));
    const auto t = d.timings();
    ASSERT_EQ(t.size(), 2u);
    const auto& v0 = t.at({IrqIndex::Msix, 0});
    EXPECT_EQ(v0.count, 2u);
    EXPECT_EQ(v0.minUs, 3);
    EXPECT_EQ(v0.maxUs, 3);
    EXPECT_EQ(v0.histogramUs, (std::vector<std::pair<int64_t, uint64_t>>{{3, 2}}));
    const auto& v1 = t.at({IrqIndex::Msix, 1});
    EXPECT_EQ(v1.count, 1u);
    EXPECT_DOUBLE_EQ(v1.meanUs, 10.0);
}

TEST(ObserveHandlerTiming, TracerFiltersEnablesAndDisablesInItsOwnInstance)
{
    namespace fs = std::filesystem;
    const fs::path root = fs::temp_directory_path() / ("irqscope_tracefs_" + std::to_string(getpid()));
    const fs::path instance = root / "instances" / ("irqscope-" + std::to_string(getpid()));
    // A fake tracefs: the kernel would create the instance's files on mkdir; here they exist beforehand. A
    // stale instance of a pid that cannot exist is removed by start().
    const fs::path stale = root / "instances" / "irqscope-2147483646";
    fs::create_directories(stale);
    for (const char* event : {"irq_handler_entry", "irq_handler_exit"}) {
        fs::create_directories(instance / "events" / "irq" / event);
        std::ofstream(instance / "events" / "irq" / event / "enable") << "0";
        std::ofstream(instance / "events" / "irq" / event / "filter") << "none";
    }
    std::ofstream(instance / "trace_pipe") << kEntry << "\n" << kExit << "\n";

    std::string status;
    auto tracer = HandlerTracer::start(root.string(), status);
    ASSERT_NE(tracer, nullptr) << status;
    EXPECT_FALSE(fs::exists(stale));
    tracer->setIrqs({{24, {IrqIndex::Msix, 0}}, {26, {IrqIndex::Msix, 2}}});
    for (const char* event : {"irq_handler_entry", "irq_handler_exit"}) {
        EXPECT_EQ(slurp(instance / "events" / "irq" / event / "filter"), "irq == 24 || irq == 26");
        EXPECT_EQ(slurp(instance / "events" / "irq" / event / "enable"), "1");
    }
    tracer->poll();
    EXPECT_EQ(tracer->timings().at({IrqIndex::Msix, 0}).count, 1u);
    tracer->stop();
    for (const char* event : {"irq_handler_entry", "irq_handler_exit"})
        EXPECT_EQ(slurp(instance / "events" / "irq" / event / "enable"), "0");
    fs::remove_all(root);
}

TEST(ObserveHandlerTiming, NotAvailableWithoutTracefsWriteAccessOrIrqEvents)
{
    std::string status;
    EXPECT_EQ(HandlerTracer::start("/nonexistent-tracefs", status), nullptr);
    EXPECT_EQ(status.rfind("not available: needs tracefs write access", 0), 0u) << status;
    namespace fs = std::filesystem;
    const fs::path root = fs::temp_directory_path() / ("irqscope_tracefs_noev_" + std::to_string(getpid()));
    fs::create_directories(root / "instances");
    EXPECT_EQ(HandlerTracer::start(root.string(), status), nullptr);
    EXPECT_EQ(status, "not available: this kernel has no irq:irq_handler_entry/exit trace events");
    EXPECT_TRUE(fs::is_empty(root / "instances")) << "the instance it made is removed";
    fs::remove_all(root);
}

TEST(ObserveHandlerTiming, TheSameInstanceTracesKvmPiIrteUpdateWhenKvmHasIt)
{
    // docs/observer.md "Delivery": kvm:kvm_pi_irte_update is enabled in the observer's instance when the kernel has
    // the event (kvm loaded), its lines land in the IRTE log, and stop() disables it with the rest.
    namespace fs = std::filesystem;
    const fs::path root = fs::temp_directory_path() / ("irqscope_tracefs_kvm_" + std::to_string(getpid()));
    const fs::path instance = root / "instances" / ("irqscope-" + std::to_string(getpid()));
    for (const char* event : {"irq_handler_entry", "irq_handler_exit"}) {
        fs::create_directories(instance / "events" / "irq" / event);
        std::ofstream(instance / "events" / "irq" / event / "enable") << "0";
        std::ofstream(instance / "events" / "irq" / event / "filter") << "none";
    }
    const fs::path irte = instance / "events" / "kvm" / "kvm_pi_irte_update";
    fs::create_directories(irte);
    std::ofstream(irte / "enable") << "0";
    std::ofstream(instance / "trace_pipe")
        << kEntry << "\n"
        << " qemu-system-x86-2300    [001] d..1.   90.000100: kvm_pi_irte_update: PI is enabled and being updated "
           "for irq 60, vcpu 2, gsi: 0x1c, gvec: 0x23\n"
        << kExit << "\n";
    std::string status;
    auto tracer = HandlerTracer::start(root.string(), status);
    ASSERT_NE(tracer, nullptr) << status;
    EXPECT_EQ(slurp(irte / "enable"), "1");
    EXPECT_EQ(tracer->irteStatus().rfind("kvm:kvm_pi_irte_update traced in ", 0), 0u) << tracer->irteStatus();
    tracer->poll();
    ASSERT_EQ(tracer->irteEvents().count(60), 1u);
    EXPECT_TRUE(tracer->irteEvents().at(60).posted());
    tracer->stop();
    EXPECT_EQ(slurp(irte / "enable"), "0");
    fs::remove_all(root);

    // Without the event (kvm not loaded) the handler timing still works and the IRTE trace says why not.
    for (const char* event : {"irq_handler_entry", "irq_handler_exit"}) {
        fs::create_directories(instance / "events" / "irq" / event);
        std::ofstream(instance / "events" / "irq" / event / "enable") << "0";
    }
    std::ofstream(instance / "trace_pipe") << "";
    tracer = HandlerTracer::start(root.string(), status);
    ASSERT_NE(tracer, nullptr) << status;
    EXPECT_EQ(tracer->irteStatus(), "not available: no kvm:kvm_pi_irte_update event (kvm is not loaded)");
    tracer->stop();
    fs::remove_all(root);
}

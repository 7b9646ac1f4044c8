// Host handler timing in observer mode: irq:irq_handler_entry/exit through tracefs, in a trace instance of
// irqscope's own, filtered to the observed device's IRQs, turned into a per-vector handler-duration histogram.
// The instance (and every event enabled in it) is removed by stop() and the destructor; one left behind by a
// killed irqscope (SIGKILL) is removed by the next start(). The same instance traces kvm:kvm_pi_irte_update, when
// the kernel has it (kvm loaded), for each vector's delivery (observe/pi_irte_trace.h).
#pragma once

#include "base/vector_id.h"
#include "observe/pi_irte_trace.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace irqscope::core {

// One irq_handler_entry or irq_handler_exit line of trace_pipe:
//   "  <idle>-0  [001] d.h2.  1234.567890: irq_handler_entry: irq=24 name=vfio-msix[0](0000:00:02.0)"
//   "  <idle>-0  [001] d.h2.  1234.567893: irq_handler_exit: irq=24 ret=handled"
struct HandlerTraceEvent
{
    bool entry = false;
    int cpu = -1;
    int64_t timeUs = 0; // trace_pipe prints the (local clock) time with microsecond resolution
    int irq = -1;
};
std::optional<HandlerTraceEvent> parseHandlerTraceLine(std::string_view line);

struct HandlerTiming
{
    uint64_t count = 0;
    int64_t minUs = 0;
    int64_t maxUs = 0;
    double meanUs = 0;
    std::vector<std::pair<int64_t, uint64_t>> histogramUs; // (duration in µs, handlers), ascending
};

// Pairs entry and exit events per CPU into per-vector durations. Not thread-safe.
class HandlerDurations
{
public:
    // Which vector each traced IRQ serves; events of other IRQs are ignored.
    void setIrqs(std::map<int, VectorId> irqs) { m_irqs = std::move(irqs); }
    void add(const HandlerTraceEvent& event);
    // Feeds trace_pipe text; a line cut at the end of `text` is kept for the next call.
    void feed(std::string_view text);
    std::map<VectorId, HandlerTiming> timings() const;

private:
    std::map<int, VectorId> m_irqs;
    std::map<int, std::pair<int, int64_t>> m_open; // cpu -> (irq, entry time) of the handler running there
    std::map<VectorId, std::map<int64_t, uint64_t>> m_histograms;
    std::string m_partial;
};

class HandlerTracer
{
public:
    // A tracer with the irq handler events enabled in instances/irqscope-PID of `tracefsRoot`, for no IRQ yet
    // (setIrqs), or nullptr and `status` saying why not ("not available: ...").
    static std::unique_ptr<HandlerTracer> start(const std::string& tracefsRoot, std::string& status);
    ~HandlerTracer(); // stop()
    HandlerTracer(const HandlerTracer&) = delete;
    HandlerTracer& operator=(const HandlerTracer&) = delete;

    // Traces exactly these IRQs (rewrites the events' filters when the set changed).
    void setIrqs(const std::map<int, VectorId>& irqs);
    // Reads everything trace_pipe holds now into the durations.
    void poll();
    // Disables the events and removes the instance. Idempotent.
    void stop();

    std::map<VectorId, HandlerTiming> timings() const { return m_durations.timings(); }
    // The latest kvm_pi_irte_update per host IRQ since start (empty when not traced), and what was traced.
    const std::map<int, IrteEvent>& irteEvents() const { return m_irte.latest(); }
    const std::string& irteStatus() const { return m_irteStatus; }
    const std::string& instance() const { return m_instance; }

private:
    HandlerTracer(std::string instance, int pipeFd);
    bool writeEvents(const std::string& file, const std::string& value);

    std::string m_instance; // .../instances/irqscope-PID
    int m_pipe = -1;
    std::map<int, VectorId> m_irqs;
    HandlerDurations m_durations;
    IrteLog m_irte;
    bool m_irteTraced = false;
    std::string m_irteStatus;
    bool m_stopped = false;
};

} // namespace irqscope::core

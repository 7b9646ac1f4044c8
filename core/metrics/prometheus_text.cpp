#include "metrics/prometheus_text.h"

#include "engine/instrument_floor.h"
#include "engine/vector_counters.h"
#include "observe/irq_delivery.h"
#include "observe/observed_columns.h"
#include "stats/log_histogram.h"
#include "vfio/vfio_uapi.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

namespace irqscope::core {

namespace {

// Backslash and line feed escaped, and the double quote too where `quote` (label values; HELP text keeps it).
std::string escaped(std::string_view text, bool quote)
{
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"' && quote)
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

} // namespace

std::string escapeLabelValue(std::string_view value)
{
    return escaped(value, true);
}

std::string escapeHelp(std::string_view text)
{
    return escaped(text, false);
}

std::string formatSampleValue(double value)
{
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value > 0 ? "+Inf" : "-Inf";
    return fmt::format("{}", value);
}

std::array<uint64_t, kPrometheusLatencyBoundsNs.size() + 1>
cumulativeLatencyBuckets(const std::vector<std::pair<int64_t, uint64_t>>& histogram)
{
    std::array<uint64_t, kPrometheusLatencyBoundsNs.size() + 1> out{};
    constexpr std::size_t kInf = kPrometheusLatencyBoundsNs.size();
    for (const auto& [lowerNs, count] : histogram) {
        const int64_t upperNs = LogHistogram::bucketUpper(LogHistogram::bucketOf(lowerNs));
        std::size_t at = 0;
        while (at < kInf && kPrometheusLatencyBoundsNs[at] < upperNs)
            ++at;
        out[at] += count;
    }
    for (std::size_t i = 1; i < out.size(); ++i)
        out[i] += out[i - 1];
    return out;
}

namespace {

class Writer
{
public:
    explicit Writer(std::string& out)
        : m_out(out)
    {}

    void family(std::string_view name, std::string_view type, std::string_view help)
    {
        m_out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escapeHelp(help), name, type);
    }
    void sample(std::string_view name, std::string_view labels, double value)
    {
        m_out += name;
        if (!labels.empty())
            m_out += fmt::format("{{{}}}", labels);
        m_out += ' ';
        m_out += formatSampleValue(value);
        m_out += '\n';
    }
    void sample(std::string_view name, std::string_view labels, uint64_t value)
    {
        m_out += name;
        if (!labels.empty())
            m_out += fmt::format("{{{}}}", labels);
        m_out += fmt::format(" {}\n", value);
    }

private:
    std::string& m_out;
};

std::string vectorLabels(const std::string& device, const VectorSnapshot& v)
{
    return fmt::format(R"(device="{}",index="{}",subindex="{}")", escapeLabelValue(device), irqIndexName(v.id.index),
                       v.id.sub);
}

// One series of a latency histogram family (`name` _bucket/_sum/_count) from a snapshot histogram and its summary.
// The exact sum (mean x count); the histogram's total stands in for the count so _count == the +Inf bucket.
void latencyHistogramSeries(Writer& w, const std::string& name, const std::string& labels,
                            const std::vector<std::pair<int64_t, uint64_t>>& histogram, const LatencySummary& summary)
{
    const auto buckets = cumulativeLatencyBuckets(histogram);
    for (std::size_t b = 0; b < kPrometheusLatencyBoundsNs.size(); ++b)
        w.sample(name + "_bucket",
                 fmt::format(R"({},le="{}")", labels,
                             formatSampleValue(static_cast<double>(kPrometheusLatencyBoundsNs[b]) / 1e9)),
                 buckets[b]);
    w.sample(name + "_bucket", labels + R"(,le="+Inf")", buckets.back());
    w.sample(name + "_sum", labels, summary.meanNs * static_cast<double>(summary.count) / 1e9);
    w.sample(name + "_count", labels, buckets.back());
}

struct CounterFamily
{
    const char* name;
    const char* help;
    uint64_t CountersCopy::*field;
};

constexpr CounterFamily kCounters[] = {
    {"irqscope_triggered_total", "Triggers irqscope fired at the vector.", &CountersCopy::triggered},
    {"irqscope_completed_total", "Triggers whose interrupt arrived (each one is a latency sample).",
     &CountersCopy::completed},
    {"irqscope_coalesced_total", "Triggers merged into another one's interrupt (eventfd count above 1).",
     &CountersCopy::coalesced},
    {"irqscope_missed_total", "Triggers with no interrupt by the deadline.", &CountersCopy::missed},
    {"irqscope_spurious_total", "Interrupts with no outstanding trigger while irqscope triggers the vector.",
     &CountersCopy::spurious},
    {"irqscope_device_originated_total",
     "Interrupts the device raised by itself while irqscope does not trigger the vector (the exporter's count).",
     &CountersCopy::deviceOriginated},
    {"irqscope_errors_total", "Failed SET_IRQS calls or region accesses on the vector.", &CountersCopy::errors},
    {"irqscope_skipped_total", "Triggers not fired because the vector's outstanding window was full.",
     &CountersCopy::skipped},
    {"irqscope_requested_total",
     "Triggers the schedule owed the vector: its rate times the time it was triggered (docs/report-schema.md).",
     &CountersCopy::requested},
    {"irqscope_schedule_behind_total",
     "Owed triggers not fired because the firing thread fell behind its schedule (a late or starved thread).",
     &CountersCopy::behind},
};

struct StateGauge
{
    const char* name;
    const char* help;
    uint32_t bits;
};

constexpr StateGauge kStates[] = {
    {"irqscope_vector_armed", "1 while a trigger eventfd is set for the vector.", vstate::kArmed},
    {"irqscope_vector_masked", "1 while the vector is masked (by the user, or INTx automasked awaiting unmask).",
     vstate::kUserMasked | vstate::kAutomasked},
    {"irqscope_vector_stuck", "1 while triggers keep missing although the vector should be unmasked.", vstate::kStuck},
    {"irqscope_vector_triggering", "1 while irqscope fires the vector (0: passive, device-originated only).",
     vstate::kTriggering},
};

} // namespace

std::string prometheusText(const Snapshot* published, const ExpositionInfo& info)
{
    // The observer's numbers go out in the active-mode families (docs/metrics.md: the /proc count as
    // device_originated_total, presence as vector_armed); a copy, only in observer mode.
    std::optional<Snapshot> observedView;
    if (published && published->observed)
        observedView = observedInActiveColumns(*published);
    const Snapshot* snapshot = observedView ? &*observedView : published;
    std::string out;
    out.reserve(snapshot ? 4096 + snapshot->vectors.size() * 3072 : 1024);
    Writer w(out);
    const std::string device = snapshot && !snapshot->deviceId.empty() ? snapshot->deviceId : info.deviceFallback;
    const std::string deviceLabel = fmt::format(R"(device="{}")", escapeLabelValue(device));

    w.family("irqscope_build_info", "gauge", "Always 1; the labels say which irqscope serves these metrics.");
    w.sample("irqscope_build_info",
             fmt::format(R"(version="{}",mode="{}")", escapeLabelValue(info.version), escapeLabelValue(info.mode)),
             uint64_t{1});

    w.family("irqscope_engine_running", "gauge", "1 while the measurement runs (its core thread or the observer).");
    w.sample("irqscope_engine_running", deviceLabel, uint64_t{snapshot && snapshot->engine.running ? 1u : 0u});
    if (!snapshot)
        return out;

    w.family("irqscope_uptime_seconds", "gauge", "Seconds since the measurement started.");
    w.sample("irqscope_uptime_seconds", deviceLabel, snapshot->elapsedSec);
    w.family("irqscope_samples_total", "counter", "Latency samples the core thread handed to the aggregator.");
    w.sample("irqscope_samples_total", deviceLabel, snapshot->engine.samplesPushed);
    w.family("irqscope_ring_dropped_samples_total", "counter",
             "Latency samples lost to a full sample ring (counts stay exact; only latency statistics miss them).");
    w.sample("irqscope_ring_dropped_samples_total", deviceLabel, snapshot->engine.ringDrops);

    std::vector<std::string> labels;
    labels.reserve(snapshot->vectors.size());
    for (const auto& v : snapshot->vectors)
        labels.push_back(vectorLabels(device, v));

    // An observed vector posted to a vCPU has no host count worth a rate: its device_originated_total is left
    // out (a rate of 0 would be false) and irqscope_vector_delivery says why (docs/metrics.md).
    auto posted = [](const VectorSnapshot& v) {
        return v.observed && v.observed->present &&
               (v.observed->delivery == ObservedDelivery::Posted ||
                v.observed->delivery == ObservedDelivery::LikelyPosted);
    };
    for (const auto& c : kCounters) {
        w.family(c.name, "counter", c.help);
        for (std::size_t i = 0; i < snapshot->vectors.size(); ++i)
            if (c.field != &CountersCopy::deviceOriginated || !posted(snapshot->vectors[i]))
                w.sample(c.name, labels[i], snapshot->vectors[i].counters.*c.field);
    }
    if (snapshot->observed) {
        w.family("irqscope_vector_delivery", "gauge",
                 "Observer mode: 1 for how the vector reaches its owner (mode: host-handled, posted, likely-posted, "
                 "unknown); a posted vector's interrupts bypass the host, which cannot count them.");
        for (std::size_t i = 0; i < snapshot->vectors.size(); ++i)
            if (const auto& o = snapshot->vectors[i].observed; o && o->present)
                w.sample("irqscope_vector_delivery",
                         fmt::format(R"({},mode="{}")", labels[i], deliveryName(o->delivery)), uint64_t{1});
    }
    w.family("irqscope_in_flight", "gauge", "Triggers fired and not yet completed, coalesced or missed.");
    for (std::size_t i = 0; i < snapshot->vectors.size(); ++i)
        w.sample("irqscope_in_flight", labels[i], snapshot->vectors[i].counters.inFlight);
    for (const auto& s : kStates) {
        w.family(s.name, "gauge", s.help);
        for (std::size_t i = 0; i < snapshot->vectors.size(); ++i)
            w.sample(s.name, labels[i], uint64_t{(snapshot->vectors[i].counters.state & s.bits) ? 1u : 0u});
    }

    // The host's IRQ threads (docs/rt-hosts.md §1), only on a host that threads the vectors' handlers.
    bool threaded = false;
    for (const auto& v : snapshot->vectors)
        threaded = threaded || v.irqThread.has_value();
    if (threaded) {
        w.family("irqscope_irq_thread_info", "gauge",
                 "Always 1 per vector whose host IRQ handler runs in a kernel thread; the labels name the host IRQ, "
                 "its effective CPU, and the thread's pid, name, policy and allowed CPUs.");
        for (std::size_t i = 0; i < snapshot->vectors.size(); ++i) {
            const auto& v = snapshot->vectors[i];
            if (!v.irqThread)
                continue;
            const auto& t = *v.irqThread;
            w.sample("irqscope_irq_thread_info",
                     fmt::format(R"({},irq="{}",irq_cpu="{}",pid="{}",comm="{}",policy="{}",affinity="{}")", labels[i],
                                 v.hostIrq, v.hostCpu >= 0 ? std::to_string(v.hostCpu) : "", t.pid,
                                 escapeLabelValue(t.comm), escapeLabelValue(t.policy), escapeLabelValue(t.affinity)),
                     uint64_t{1});
        }
        w.family("irqscope_irq_thread_priority", "gauge",
                 "Real-time priority of the vector's IRQ thread (1-99 under SCHED_FIFO or SCHED_RR, 0 otherwise).");
        for (std::size_t i = 0; i < snapshot->vectors.size(); ++i)
            if (const auto& t = snapshot->vectors[i].irqThread)
                w.sample("irqscope_irq_thread_priority", labels[i], static_cast<uint64_t>(std::max(t->priority, 0)));
        w.family("irqscope_irq_thread_cpu", "gauge", "The CPU the vector's IRQ thread last ran on.");
        for (std::size_t i = 0; i < snapshot->vectors.size(); ++i)
            if (const auto& t = snapshot->vectors[i].irqThread; t && t->lastCpu >= 0)
                w.sample("irqscope_irq_thread_cpu", labels[i], static_cast<uint64_t>(t->lastCpu));
    }

    w.family("irqscope_latency_seconds", "histogram",
             "Trigger-to-completion latency of the vector's interrupts since the start (or the last reset).");
    for (std::size_t i = 0; i < snapshot->vectors.size(); ++i)
        latencyHistogramSeries(w, "irqscope_latency_seconds", labels[i], snapshot->vectors[i].histogram,
                               snapshot->vectors[i].latency);

    // The instrument floor (docs/metrics.md): not a vector, so only the device label; absent in observer mode and
    // before the first floor sample.
    if (snapshot->floor.count > 0) {
        w.family("irqscope_instrument_floor_seconds", "histogram",
                 fmt::format("irqscope's own wake path (an eventfd it signals itself, read through the same io_uring, "
                             "{:g} per second): how much of each vector's latency is the instrument.",
                             kInstrumentFloorRateHz));
        latencyHistogramSeries(w, "irqscope_instrument_floor_seconds", deviceLabel, snapshot->floorHistogram,
                               snapshot->floor);
    }
    // Interrupt delivery (docs/dma-triggers.md §6): only the vectors the delivery poller watches.
    const bool anyDelivery = std::any_of(snapshot->vectors.begin(), snapshot->vectors.end(),
                                         [](const VectorSnapshot& v) { return v.deliveryTracked; });
    if (anyDelivery) {
        w.family("irqscope_delivery_latency_seconds", "histogram",
                 "Interrupt delivery of the vector's command completions: completion visible in memory to eventfd "
                 "completion, since the start (or the last reset).");
        for (std::size_t i = 0; i < snapshot->vectors.size(); ++i) {
            const auto& v = snapshot->vectors[i];
            if (!v.deliveryTracked)
                continue;
            latencyHistogramSeries(w, "irqscope_delivery_latency_seconds", labels[i], v.deliveryHistogram, v.delivery);
        }
        w.family("irqscope_delivery_unstamped_total", "counter",
                 "Watched completions that got no delivery stamp of their own (the poller had not seen them yet).");
        for (std::size_t i = 0; i < snapshot->vectors.size(); ++i)
            if (snapshot->vectors[i].deliveryTracked)
                w.sample("irqscope_delivery_unstamped_total", labels[i], snapshot->vectors[i].deliveryUnstamped);
    }
    return out;
}

} // namespace irqscope::core

// CSV reports: the per-vector summary table and the per-sample stream.
#include "report/csv_report.h"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace irqscope::core {

namespace {

std::string quoted(const std::string& s)
{
    if (s.find_first_of(",\"\n") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

const char* kindName(SampleKind kind)
{
    switch (kind) {
    case SampleKind::Completion:
        return "completion";
    case SampleKind::Missed:
        return "missed";
    case SampleKind::Unsolicited:
        return "unsolicited";
    case SampleKind::Event:
        return "event";
    case SampleKind::Floor:
        return "floor";
    }
    return "unknown";
}

} // namespace

std::string csvSummary(const ReportInput& input)
{
    std::string out = "vector,index,subindex,triggered,completed,coalesced,missed,in_flight,spurious,"
                      "device_originated,errors,skipped,balanced,state,completion_rate_hz,latency_count,min_ns,"
                      "mean_ns,p50_ns,p90_ns,p99_ns,p99_9_ns,p99_99_ns,max_ns,last_error,irq_thread_pid,"
                      "irq_thread_policy,irq_thread_priority,irq_thread_affinity,irq_thread_cpu,delivery_count,"
                      "delivery_unstamped,delivery_min_ns,delivery_mean_ns,delivery_p50_ns,delivery_p90_ns,"
                      "delivery_p99_ns,delivery_p99_9_ns,delivery_max_ns\n";
    for (const auto& v : input.snapshot.vectors) {
        const auto& c = v.counters;
        const auto& l = v.latency;
        const bool balanced = c.triggered == c.completed + c.coalesced + c.missed + c.inFlight;
        // The host's IRQ thread (docs/rt-hosts.md §1): empty cells when the handler is not threaded.
        const auto& t = v.irqThread;
        const std::string thread =
            t ? fmt::format("{},{},{},{},{}", t->pid, t->policy, t->priority, quoted(t->affinity),
                            t->lastCpu >= 0 ? std::to_string(t->lastCpu) : std::string())
              : std::string(",,,,");
        // Interrupt delivery (docs/dma-triggers.md §6): empty cells on a vector the delivery poller did not watch.
        const auto& d = v.delivery;
        const std::string delivery = !v.deliveryTracked ? std::string(",,,,,,,,")
                                     : d.count == 0
                                         ? fmt::format("0,{},,,,,,,", v.deliveryUnstamped)
                                         : fmt::format("{},{},{},{:.1f},{},{},{},{},{}", d.count, v.deliveryUnstamped,
                                                       d.minNs, d.meanNs, d.p50Ns, d.p90Ns, d.p99Ns, d.p999Ns, d.maxNs);
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.3f},{},{},{:.1f},{},{},{},{},{},{},{},{},{}\n",
                           v.name, irqIndexName(v.id.index), v.id.sub, c.triggered, c.completed, c.coalesced, c.missed,
                           c.inFlight, c.spurious, c.deviceOriginated, c.errors, c.skipped, balanced ? "true" : "false",
                           quoted(stateText(c.state)), v.completionRateHz, l.count, l.minNs, l.meanNs, l.p50Ns, l.p90Ns,
                           l.p99Ns, l.p999Ns, l.p9999Ns, l.maxNs, quoted(v.lastError), thread, delivery);
    }
    return out;
}

std::string samplesCsvPath(const std::string& csvPath)
{
    const std::string ext = ".csv";
    if (csvPath.size() > ext.size() && csvPath.compare(csvPath.size() - ext.size(), ext.size(), ext) == 0)
        return csvPath.substr(0, csvPath.size() - ext.size()) + ".samples.csv";
    return csvPath + ".samples.csv";
}

CsvSampleWriter::CsvSampleWriter(VectorSlots slots, int64_t originNs)
    : m_slots(slots)
    , m_originNs(originNs)
{}

CsvSampleWriter::~CsvSampleWriter()
{
    if (m_file)
        std::fclose(m_file);
}

std::string CsvSampleWriter::open(const std::string& path)
{
    m_path = path;
    m_file = std::fopen(path.c_str(), "w");
    if (!m_file)
        return fmt::format("cannot write {}: {}", path, std::strerror(errno));
    if (std::fputs("vector,kind,seq,trigger_ns,completion_ns,latency_ns,value,event,delivery_ns\n", m_file) < 0)
        m_error = fmt::format("cannot write {}: {}", path, std::strerror(errno));
    return m_error;
}

void CsvSampleWriter::write(const Sample* samples, std::size_t count)
{
    if (!m_file || !m_error.empty())
        return;
    fmt::memory_buffer buf;
    for (std::size_t i = 0; i < count; ++i) {
        const Sample& s = samples[i];
        // A floor sample is not a vector's (docs/report-schema.md, "CSV").
        const bool floor = s.kind == SampleKind::Floor;
        const std::string name = floor                     ? std::string("instrument-floor")
                                 : s.slot < m_slots.size() ? vectorName(m_slots.id(s.slot))
                                                           : std::to_string(s.slot);
        const int64_t trigger = s.triggerNs ? s.triggerNs - m_originNs : 0;
        const int64_t completion = s.completionNs - m_originNs;
        const int64_t latency = s.kind == SampleKind::Completion || floor ? s.latencyNs() : 0;
        const char* event = "";
        if (s.kind == SampleKind::Event) {
            static const char* names[] = {"armed", "disarmed", "masked", "unmasked", "automasked", "error", "stuck"};
            event = s.value < std::size(names) ? names[s.value] : "unknown";
        }
        // delivery_ns: completion visible in memory -> eventfd (docs/dma-triggers.md §6); empty without a stamp.
        const std::string delivery =
            s.kind == SampleKind::Completion && s.visibleNs > 0 ? std::to_string(s.deliveryNs()) : std::string();
        fmt::format_to(std::back_inserter(buf), "{},{},{},{},{},{},{},{},{}\n", name, kindName(s.kind), s.seq, trigger,
                       completion, latency, s.value, event, delivery);
    }
    if (std::fwrite(buf.data(), 1, buf.size(), m_file) != buf.size())
        m_error = fmt::format("cannot write {}: {}", m_path, std::strerror(errno));
}

std::string CsvSampleWriter::finish()
{
    if (m_file && std::fclose(m_file) != 0 && m_error.empty())
        m_error = fmt::format("cannot write {}: {}", m_path, std::strerror(errno));
    m_file = nullptr;
    return m_error;
}

std::string writeTextFileAtomic(const std::string& path, const std::string& text)
{
    const std::string tmp = path + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f)
        return fmt::format("cannot write {}: {}", path, std::strerror(errno));
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    const int saved = errno;
    if (std::fclose(f) != 0 || !ok) {
        std::remove(tmp.c_str());
        return fmt::format("cannot write {}: {}", path, std::strerror(ok ? errno : saved));
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        return fmt::format("cannot write {}: {}", path, std::strerror(errno));
    return {};
}

} // namespace irqscope::core

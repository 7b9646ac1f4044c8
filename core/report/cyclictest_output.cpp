// cyclictest-compatible output: T: lines, the text histogram and its footer, and the JSON document.
#include "report/cyclictest_output.h"

#include "base/time_text.h"

#include <cmath>
#include <fmt/format.h>

namespace irqscope::core {

namespace {

struct Thread
{
    const VectorSnapshot* vector = nullptr;
    const CollectedVector* data = nullptr; // nullptr: no latency sample
};

std::vector<Thread> threads(const ReportInput& input)
{
    std::vector<Thread> out;
    for (const auto& v : input.snapshot.vectors)
        out.push_back({&v, input.collector ? input.collector->vector(v.slot) : nullptr});
    return out;
}

int64_t unitNs(const ReportInput& input)
{
    return input.collector ? input.collector->config().linearBucketNs : 1000;
}

int fifoPriority(const std::string& policy)
{
    if (policy.rfind("SCHED_FIFO ", 0) != 0 && policy.rfind("SCHED_RR ", 0) != 0)
        return 0;
    try {
        return std::stoi(policy.substr(policy.find(' ') + 1));
    } catch (const std::exception&) {
        return 0;
    }
}

// Totals of one thread in output units: min, max, integer avg, last, cycles, in-range total, overflows.
struct Figures
{
    uint64_t cycles = 0;
    int64_t min = 0, max = 0, act = 0;
    double avg = 0;
    uint64_t total = 0, overflows = 0;
};

Figures figures(const Thread& t, int64_t unit)
{
    Figures f;
    if (!t.data || t.data->linear.count() == 0)
        return f;
    const auto& h = t.data->linear;
    f.cycles = h.count();
    f.min = h.min() / unit;
    f.max = h.max() / unit;
    f.act = t.data->lastNs / unit;
    f.avg = h.mean() / static_cast<double>(unit);
    f.overflows = h.overflows();
    f.total = h.count() - h.overflows();
    return f;
}

std::string rfc2822(int64_t wallNs)
{
    const std::tm tm = utcCalendar(wallNs);
    static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", days[tm.tm_wday % 7], tm.tm_mday,
                       months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

} // namespace

bool cyclictestNanoseconds(const ReportInput& input)
{
    return unitNs(input) == 1;
}

std::string cyclictestSummary(const ReportInput& input)
{
    const int64_t unit = unitNs(input);
    const int prio = fifoPriority(input.snapshot.engine.policy);
    const long interval = input.run.rateHz > 0 ? std::lround(1e6 / input.run.rateHz) : 0;
    std::string out;
    int n = 0;
    for (const auto& t : threads(input)) {
        const Figures f = figures(t, unit);
        out += fmt::format("T:{:2} ({:5}) P:{:2} I:{} C:{:7} Min:{:7} Act:{:5} Avg:{:5} Max:{:8}\n", n++,
                           t.vector->slot, prio, interval, f.cycles, f.min, f.act, static_cast<int64_t>(f.avg), f.max);
    }
    return out;
}

std::string cyclictestHistogram(const ReportInput& input, const CyclictestOptions& options)
{
    const int64_t unit = unitNs(input);
    const auto ts = threads(input);
    const uint32_t buckets = input.collector ? input.collector->config().linearBuckets : 0;
    const bool sum = options.sumColumn;
    std::string out = "# Histogram\n";
    for (uint32_t b = 0; b < buckets; ++b) {
        out += fmt::format("{:06} ", b);
        uint64_t all = 0;
        for (std::size_t i = 0; i < ts.size(); ++i) {
            const uint64_t c = ts[i].data ? ts[i].data->linear.countAt(b) : 0;
            all += c;
            out += fmt::format("{}{:06}", i ? "\t" : "", c);
        }
        if (sum)
            out += fmt::format("\t{:06}", all);
        out += '\n';
    }
    std::vector<Figures> fs;
    for (const auto& t : ts)
        fs.push_back(figures(t, unit));
    uint64_t totalAll = 0, overflowAll = 0;
    int64_t maxAll = 0;
    std::string total = "# Total:", min = "# Min Latencies:", avg = "# Avg Latencies:", max = "# Max Latencies:",
                over = "# Histogram Overflows:";
    for (const auto& f : fs) {
        total += fmt::format(" {:09}", f.total);
        min += fmt::format(" {:05}", f.min);
        avg += fmt::format(" {:05}", static_cast<int64_t>(f.avg));
        max += fmt::format(" {:05}", f.max);
        over += fmt::format(" {:05}", f.overflows);
        totalAll += f.total;
        overflowAll += f.overflows;
        maxAll = std::max(maxAll, f.max);
    }
    if (sum) {
        total += fmt::format(" {:09}", totalAll);
        max += fmt::format(" {:05}", maxAll);
        over += fmt::format(" {:05}", overflowAll);
    }
    out += total + '\n' + min + '\n' + avg + '\n' + max + '\n' + over + '\n';
    out += "# Histogram Overflow at cycle number:\n";
    for (std::size_t i = 0; i < ts.size(); ++i) {
        out += fmt::format("# Thread {}:", i);
        if (ts[i].data) {
            for (uint64_t c : ts[i].data->overflowCycles)
                out += fmt::format(" {}", c);
        }
        out += '\n';
    }
    return out;
}

nlohmann::ordered_json cyclictestJson(const ReportInput& input, const CyclictestOptions& options)
{
    const int64_t unit = unitNs(input);
    const auto ts = threads(input);
    const auto& tuning = input.tuning;
    nlohmann::ordered_json doc;
    doc["file_version"] = 1;
    doc["cmdline:"] = input.run.commandLine;
    doc["rt_test_version:"] = IRQSCOPE_VERSION;
    doc["start_time"] = rfc2822(input.startWallNs);
    doc["end_time"] = rfc2822(input.snapshot.wallTimeNs);
    doc["return_code"] = options.returnCode;
    doc["sysinfo"] = {{"sysname", tuning.sysname},       {"nodename", input.system.hostname},
                      {"release", input.system.kernel},  {"version", tuning.kernelVersion},
                      {"machine", input.system.machine}, {"realtime", tuning.realtimeKernel == "1" ? 1 : 0}};
    doc["num_threads"] = ts.size();
    doc["resolution_in_ns"] = unit == 1 ? 1 : 0;
    nlohmann::ordered_json threadsJson = nlohmann::ordered_json::object();
    nlohmann::ordered_json extras = nlohmann::ordered_json::object();
    const auto round2 = [](double x) {
        return std::round(x * 100.0) / 100.0;
    };
    const auto inUnit = [unit](int64_t ns) {
        return static_cast<double>(ns) / static_cast<double>(unit);
    };
    for (std::size_t i = 0; i < ts.size(); ++i) {
        const Figures f = figures(ts[i], unit);
        nlohmann::ordered_json hist = nlohmann::ordered_json::object();
        if (ts[i].data) {
            const auto& h = ts[i].data->linear;
            for (uint32_t b = 0; b < h.buckets(); ++b) {
                if (h.countAt(b))
                    hist[std::to_string(b)] = h.countAt(b);
            }
        }
        nlohmann::ordered_json t;
        t["histogram"] = std::move(hist);
        t["cycles"] = f.cycles;
        t["min"] = f.min;
        t["max"] = f.max;
        t["avg"] = round2(f.avg);
        t["cpu"] = input.snapshot.engine.coreCpu;
        t["node"] = std::max(tuning.numaNode, 0);
        threadsJson[std::to_string(i)] = std::move(t);

        const auto& v = *ts[i].vector;
        const auto& l = v.latency;
        nlohmann::ordered_json x;
        x["vector"] = v.name;
        x["overflows"] = f.overflows;
        x["overflow_cycles"] = ts[i].data ? ts[i].data->overflowCycles : std::vector<uint64_t>{};
        x["overflow_cycles_dropped"] = ts[i].data ? ts[i].data->overflowCyclesDropped : 0;
        x["percentiles"] = {{"50", round2(inUnit(l.p50Ns))},
                            {"90", round2(inUnit(l.p90Ns))},
                            {"99", round2(inUnit(l.p99Ns))},
                            {"99.9", round2(inUnit(l.p999Ns))},
                            {"99.99", round2(inUnit(l.p9999Ns))}};
        x["triggered"] = v.counters.triggered;
        x["completed"] = v.counters.completed;
        x["coalesced"] = v.counters.coalesced;
        x["missed"] = v.counters.missed;
        x["spurious"] = v.counters.spurious;
        extras[std::to_string(i)] = std::move(x);
    }
    doc["thread"] = std::move(threadsJson);
    doc["irqscope"] = {{"version", IRQSCOPE_VERSION},
                       {"device", input.snapshot.deviceId},
                       {"unit", unit == 1 ? "ns" : "us"},
                       {"histogram_buckets", input.collector ? input.collector->config().linearBuckets : 0},
                       {"threads", std::move(extras)}};
    return doc;
}

} // namespace irqscope::core

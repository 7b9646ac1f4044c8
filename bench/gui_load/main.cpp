// gui_load: what the dashboard costs the measurement. Interleaved rounds on the simulated device, each with N
// MSI-X vectors triggered at R Hz per vector: "headless" (engine + aggregator only, an idle event loop) and "gui"
// (the real MainWindow, offscreen, with every vector selected and charted), in the same run. Per round: the core
// thread's latency percentiles (the engine's own trigger -> completion latencies, merged over all vectors), the
// achieved trigger rate, ring drops, the GUI thread's CPU time per second of wall time, and the GUI's event
// latency: a helper thread posts an event every 5 ms and the GUI thread timestamps its delivery.
// The GUI thread's run-queue wait per second (schedstat) says how much of the event latency is the machine's: a
// runnable GUI thread that the scheduler does not run cannot dispatch anything. The same for every other thread
// of the process together (the engine: core, trigger and aggregator threads) says whether the engine had the
// CPUs it wanted: on a machine where it cannot get them, any CPU the GUI thread uses comes out of its share.
// Ratios gui/headless compare medians of the rounds; the targets are p99 ratio <= 1.05 and event latency < 50 ms.
#include "base/monotonic_clock.h"
#include "common/system_probe.h"
#include "main_window.h"
#include "session/measurement_session.h"
#include "widgets/engine_settings_panel.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <QAction>
#include <QApplication>
#include <QEvent>
#include <QEventLoop>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

using namespace irqscope;

namespace {

struct Options
{
    uint32_t vectors = 512;
    double rateHz = 2000;
    int rounds = 3; // per mode
    double warmupSec = 1.5;
    double measureSec = 4;
    bool smoke = false;
};

struct RoundResult
{
    std::string mode;
    int round = 0;
    double triggersPerSec = 0;
    int64_t p50Ns = 0;
    int64_t p99Ns = 0;
    int64_t p999Ns = 0;
    uint64_t samples = 0;
    uint64_t ringDrops = 0;
    double guiCpuMsPerSec = 0;
    double guiWaitMsPerSec = 0;    // runnable but not running
    double engineCpuMsPerSec = 0;  // every other thread of the process
    double engineWaitMsPerSec = 0; // their run-queue wait, summed
    double eventP99Ms = 0;
    double eventMaxMs = 0;
    std::size_t events = 0;
};

// Event latency probe: a thread posts a timestamped event every `period`; the GUI thread records how long it
// waited in the queue.
class EventProbe final : public QObject
{
public:
    static constexpr QEvent::Type kType = static_cast<QEvent::Type>(QEvent::User + 73);
    struct Stamped final : QEvent
    {
        explicit Stamped(int64_t ns)
            : QEvent(kType)
            , postedNs(ns)
        {}
        int64_t postedNs;
    };

    void start(std::chrono::milliseconds period)
    {
        m_stop = false;
        m_delays.clear();
        m_thread = std::thread([this, period] {
            while (!m_stop.load(std::memory_order_relaxed)) {
                QCoreApplication::postEvent(this, new Stamped(core::monotonicNs()));
                std::this_thread::sleep_for(period);
            }
        });
    }
    std::vector<int64_t> stop()
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
        QCoreApplication::removePostedEvents(this, kType);
        return m_delays;
    }
    ~EventProbe() override { stop(); }

protected:
    bool event(QEvent* e) override
    {
        if (e->type() != kType)
            return QObject::event(e);
        m_delays.push_back(core::monotonicNs() - static_cast<Stamped*>(e)->postedNs);
        return true;
    }

private:
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
    std::vector<int64_t> m_delays; // GUI thread only
};

// Time a thread of this process spent runnable on a run queue, waiting for a CPU (schedstat's second field).
int64_t runQueueWaitNs(pid_t tid)
{
    std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/schedstat");
    int64_t running = 0;
    int64_t waiting = -1;
    in >> running >> waiting;
    return waiting;
}

// schedstat (time on a CPU, time runnable waiting for one) of every thread of this process.
std::map<pid_t, std::pair<int64_t, int64_t>> threadSchedstats()
{
    std::map<pid_t, std::pair<int64_t, int64_t>> out;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream in(entry.path() / "schedstat");
        int64_t running = 0;
        int64_t waiting = 0;
        if (in >> running >> waiting)
            out[static_cast<pid_t>(std::stol(entry.path().filename().string()))] = {running, waiting};
    }
    return out;
}

// Percentile of the latency histograms of every vector in `snapshot`, merged (bucket lower bounds).
int64_t mergedPercentile(const core::Snapshot& snapshot, double q, uint64_t* total = nullptr)
{
    std::map<int64_t, uint64_t> merged;
    uint64_t n = 0;
    for (const auto& v : snapshot.vectors) {
        for (const auto& [bound, count] : v.histogram) {
            merged[bound] += count;
            n += count;
        }
    }
    if (total)
        *total = n;
    if (n == 0)
        return 0;
    const auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(n)));
    uint64_t seen = 0;
    for (const auto& [bound, count] : merged) {
        seen += count;
        if (seen >= rank)
            return bound;
    }
    return merged.rbegin()->first;
}

uint64_t triggeredTotal(const core::Snapshot& s)
{
    uint64_t t = 0;
    for (const auto& v : s.vectors)
        t += v.counters.triggered;
    return t;
}

double percentileMs(std::vector<int64_t> v, double q)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const auto i = std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())));
    return static_cast<double>(v[i]) / 1e6;
}

core::DeviceRequest simRequest(const Options& o)
{
    core::DeviceRequest r;
    r.device = "sim";
    r.sim.msixVectors = o.vectors;
    return r;
}

ui::EngineSettings engineSettings(const Options& o)
{
    ui::EngineSettings s;
    s.rateHz = o.rateHz;
    return s;
}

// Runs the event loop for `seconds` (the GUI thread keeps painting and refreshing meanwhile).
void spin(double seconds)
{
    QEventLoop loop;
    QTimer::singleShot(static_cast<int>(seconds * 1000), &loop, &QEventLoop::quit);
    loop.exec();
}

// The measured window, common to both modes: `reset` zeroes the statistics, `latest` gives the snapshot.
template<typename Reset, typename Latest>
RoundResult measure(const Options& o, const char* mode, int round, Reset reset, Latest latest)
{
    spin(o.warmupSec);
    reset();
    spin(0.3); // the reset reaches the core thread and the aggregator
    const auto before = latest();
    EventProbe probe;
    probe.start(std::chrono::milliseconds(5));
    const pid_t gui = bench::currentTid();
    const int64_t cpu0 = bench::threadCpuNs(gui);
    const int64_t wait0 = runQueueWaitNs(gui);
    const auto threads0 = threadSchedstats();
    const int64_t t0 = core::monotonicNs();
    spin(o.measureSec);
    const int64_t cpu1 = bench::threadCpuNs(gui);
    const int64_t wait1 = runQueueWaitNs(gui);
    const auto threads1 = threadSchedstats();
    const int64_t t1 = core::monotonicNs();
    const std::vector<int64_t> delays = probe.stop();
    const auto after = latest();

    RoundResult r;
    r.mode = mode;
    r.round = round;
    const double wall = static_cast<double>(t1 - t0) / 1e9;
    r.guiCpuMsPerSec = static_cast<double>(cpu1 - cpu0) / 1e6 / wall;
    r.guiWaitMsPerSec = wait0 >= 0 && wait1 >= 0 ? static_cast<double>(wait1 - wait0) / 1e6 / wall : -1;
    for (const auto& [tid, times] : threads1) {
        const auto before0 = threads0.find(tid);
        if (tid == gui || before0 == threads0.end())
            continue; // the GUI thread, or a thread that started inside the window (the probe's)
        r.engineCpuMsPerSec += static_cast<double>(times.first - before0->second.first) / 1e6 / wall;
        r.engineWaitMsPerSec += static_cast<double>(times.second - before0->second.second) / 1e6 / wall;
    }
    r.eventP99Ms = percentileMs(delays, 0.99);
    r.eventMaxMs = percentileMs(delays, 1.0);
    r.events = delays.size();
    if (after && before) {
        const double span = static_cast<double>(after->monotonicNs - before->monotonicNs) / 1e9;
        r.triggersPerSec = span > 0 ? static_cast<double>(triggeredTotal(*after) - triggeredTotal(*before)) / span : 0;
        r.p50Ns = mergedPercentile(*after, 0.50);
        r.p99Ns = mergedPercentile(*after, 0.99, &r.samples);
        r.p999Ns = mergedPercentile(*after, 0.999);
        r.ringDrops = after->engine.ringDrops - before->engine.ringDrops;
    }
    return r;
}

std::optional<RoundResult> headlessRound(const Options& o, int round)
{
    ui::MeasurementSession session;
    if (auto err = session.open(simRequest(o)); !err.isEmpty()) {
        fmt::print(stderr, "gui_load: error: {}\n", err.toStdString());
        return std::nullopt;
    }
    const std::vector<core::VectorRange> all = {{core::IrqIndex::Msix, 0, o.vectors}};
    if (auto err = session.start(engineSettings(o), all, all); !err.isEmpty()) {
        fmt::print(stderr, "gui_load: error: {}\n", err.toStdString());
        return std::nullopt;
    }
    auto r = measure(
        o, "headless", round, [&] { session.resetStatistics(); }, [&] { return session.latest(); });
    session.close();
    return r;
}

std::optional<RoundResult> guiRound(const Options& o, int round)
{
    ui::MainWindow w;
    w.resize(1600, 1000);
    w.settingsPanel()->setSettings(engineSettings(o));
    w.show();
    if (!w.openDevice(simRequest(o))) {
        fmt::print(stderr, "gui_load: error: {}\n", w.bannerText().toStdString());
        return std::nullopt;
    }
    // What a user does: select every MSI-X vector, arm it and trigger it continuously (the charts follow the
    // selection).
    const uint32_t first = w.session().slots().slot({core::IrqIndex::Msix, 0});
    std::vector<uint32_t> slots;
    for (uint32_t i = 0; i < o.vectors; ++i)
        slots.push_back(first + i);
    w.selectSlots(slots);
    w.dashboardActions().arm->trigger();
    w.dashboardActions().triggerStart->trigger();
    for (int i = 0; i < 100 && w.session().pendingCommands() > 0; ++i)
        spin(0.05);
    auto r = measure(
        o, "gui", round, [&] { w.dashboardActions().reset->trigger(); }, [&] { return w.session().latest(); });
    w.session().close();
    return r;
}

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

} // namespace

int main(int argc, char** argv)
{
    Options o;
    CLI::App app{"GUI load: the dashboard's effect on the core thread, its own CPU and its responsiveness"};
    app.add_option("--vectors", o.vectors, "MSI-X vectors armed and triggered")->check(CLI::Range(1u, 2048u));
    app.add_option("--rate", o.rateHz, "Trigger rate per vector, Hz")->check(CLI::Range(1.0, 1e6));
    app.add_option("--rounds", o.rounds, "Rounds per mode (interleaved)")->check(CLI::Range(1, 100));
    app.add_option("--seconds", o.measureSec, "Measured seconds per round")->check(CLI::Range(0.5, 600.0));
    app.add_flag("--smoke", o.smoke, "A short run that checks the bench works (CI)");
    CLI11_PARSE(app, argc, argv);
    if (o.smoke) {
        o.vectors = 32;
        o.rateHz = 500;
        o.rounds = 1;
        o.warmupSec = 0.5;
        o.measureSec = 1;
    }
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    // A throw-away settings location: no saved window state changes the layout between rounds.
    qputenv("XDG_CONFIG_HOME", QByteArray("/nonexistent-irqscope-bench"));
    QApplication qapp(argc, argv);
    QApplication::setApplicationName(QStringLiteral("irqscope-gui-bench"));

    fmt::print("{}\n", bench::machineLine());
    fmt::print("sim, {} MSI-X vectors x {:g} Hz loopback = {:.0f} triggers/s requested; {} round(s) per mode of "
               "{:g} s, interleaved; platform {}\n\n",
               o.vectors, o.rateHz, o.vectors * o.rateHz, o.rounds, o.measureSec,
               qgetenv("QT_QPA_PLATFORM").toStdString());
    fmt::print("{:<9} {:>5} {:>12} {:>10} {:>10} {:>10} {:>10} {:>8} {:>12} {:>13} {:>10} {:>10} {:>12} {:>13}\n",
               "mode", "round", "triggers/s", "p50 us", "p99 us", "p99.9 us", "samples", "drops", "gui cpu ms/s",
               "gui wait ms/s", "ev p99 ms", "ev max ms", "eng cpu ms/s", "eng wait ms/s");
    std::vector<RoundResult> results;
    for (int round = 1; round <= o.rounds; ++round) {
        for (const bool withGui : {false, true}) {
            auto r = withGui ? guiRound(o, round) : headlessRound(o, round);
            if (!r)
                return 1;
            fmt::print("{:<9} {:>5} {:>12.0f} {:>10.1f} {:>10.1f} {:>10.1f} {:>10} {:>8} {:>12.1f} {:>13.1f} {:>10.2f} "
                       "{:>10.2f} {:>12.1f} {:>13.1f}\n",
                       r->mode, r->round, r->triggersPerSec, r->p50Ns / 1e3, r->p99Ns / 1e3, r->p999Ns / 1e3,
                       r->samples, r->ringDrops, r->guiCpuMsPerSec, r->guiWaitMsPerSec, r->eventP99Ms, r->eventMaxMs,
                       r->engineCpuMsPerSec, r->engineWaitMsPerSec);
            std::fflush(stdout);
            results.push_back(*r);
        }
    }

    auto pick = [&](const char* mode, auto field) {
        std::vector<double> v;
        for (const auto& r : results) {
            if (r.mode == mode)
                v.push_back(field(r));
        }
        return median(v);
    };
    const double hp99 = pick("headless", [](const RoundResult& r) { return static_cast<double>(r.p99Ns); });
    const double gp99 = pick("gui", [](const RoundResult& r) { return static_cast<double>(r.p99Ns); });
    const double hp50 = pick("headless", [](const RoundResult& r) { return static_cast<double>(r.p50Ns); });
    const double gp50 = pick("gui", [](const RoundResult& r) { return static_cast<double>(r.p50Ns); });
    const double gcpu = pick("gui", [](const RoundResult& r) { return r.guiCpuMsPerSec; });
    const double hcpu = pick("headless", [](const RoundResult& r) { return r.guiCpuMsPerSec; });
    const double gwait = pick("gui", [](const RoundResult& r) { return r.guiWaitMsPerSec; });
    double evP99 = 0, evMax = 0, htps = 0, gtps = 0;
    for (const auto& r : results) {
        if (r.mode == "gui") {
            evP99 = std::max(evP99, r.eventP99Ms);
            evMax = std::max(evMax, r.eventMaxMs);
        }
    }
    htps = pick("headless", [](const RoundResult& r) { return r.triggersPerSec; });
    gtps = pick("gui", [](const RoundResult& r) { return r.triggersPerSec; });
    const double ratio = hp99 > 0 ? gp99 / hp99 : 0;
    fmt::print("\nmedians over the rounds (same run):\n");
    fmt::print("  core p99   gui/headless = {:.1f} / {:.1f} us = {:.3f}  (target <= 1.05) {}\n", gp99 / 1e3, hp99 / 1e3,
               ratio, ratio <= 1.05 ? "ok" : "ABOVE TARGET");
    fmt::print("  core p50   gui/headless = {:.1f} / {:.1f} us = {:.3f}\n", gp50 / 1e3, hp50 / 1e3,
               hp50 > 0 ? gp50 / hp50 : 0);
    fmt::print("  triggers/s gui/headless = {:.0f} / {:.0f} = {:.3f}\n", gtps, htps, htps > 0 ? gtps / htps : 0);
    fmt::print("  GUI thread CPU = {:.1f} ms per s of wall time ({:.1f}% of a core; idle event loop {:.1f} ms/s)\n",
               gcpu, gcpu / 10, hcpu);
    fmt::print("  GUI thread waited for a CPU {:.1f} ms per s of wall time (run queue; the machine's share)\n", gwait);
    const auto engine = [&](const char* mode) {
        return std::pair(pick(mode, [](const RoundResult& r) { return r.engineCpuMsPerSec; }),
                         pick(mode, [](const RoundResult& r) { return r.engineWaitMsPerSec; }));
    };
    const auto [hEngCpu, hEngWait] = engine("headless");
    const auto [gEngCpu, gEngWait] = engine("gui");
    fmt::print("  engine threads (all but the GUI's) CPU headless / gui = {:.0f} / {:.0f} ms/s, waiting for a CPU "
               "{:.0f} / {:.0f} ms/s (of {} CPUs = {} ms/s)\n",
               hEngCpu, gEngCpu, hEngWait, gEngWait, std::thread::hardware_concurrency(),
               1000 * std::thread::hardware_concurrency());
    fmt::print("  GUI event latency (worst round) p99 {:.2f} ms, max {:.2f} ms  (target < 50 ms) {}\n", evP99, evMax,
               evMax < 50 ? "ok" : "ABOVE TARGET");

    // Smoke: the bench ran end to end and measured something in both modes (targets need a quiet machine).
    bool ok = true;
    for (const auto& r : results) {
        if (r.samples == 0 || r.events == 0 || r.triggersPerSec <= 0) {
            fmt::print(stderr, "gui_load: error: the {} round {} measured nothing (samples {}, events {})\n", r.mode,
                       r.round, r.samples, r.events);
            ok = false;
        }
    }
    return ok ? 0 : 1;
}

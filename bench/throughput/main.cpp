// bench/throughput: N = 1, 8, 64, 512 eventfds, one producer-bound writer, drained by epoll, io_uring and
// irqscope's engine in interleaved rounds; prints signals/s, consumer CPU ns per signal, the coalescing ratio and
// the accounting check, and irqscope's ratios to io_uring and epoll against irqscope's targets at N >= 64.
#include "common/latency_stats.h"
#include "common/system_probe.h"
#include "engine/cpu_setup.h"
#include "throughput/consumer.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <map>

namespace irqscope::bench {

namespace {

constexpr double kVsBestRawTarget = 0.95;
constexpr double kVsEpollTarget = 1.25;
constexpr double kConsumerNsTarget = 350;

struct Options
{
    uint32_t rounds = 5;
    double seconds = 1.0;
    std::vector<uint32_t> counts{1, 8, 64, 512};
    std::vector<std::string> only; // consumer names to run (all when empty)
    bool smoke = false;
};

struct Medians
{
    double rate = 0;
    double ns = 0;
    double coalescing = 0;
    double helperNs = 0;
    uint64_t drops = 0;
    bool balanced = true;
};

Medians mediansOf(const std::vector<TputResult>& runs)
{
    std::vector<double> rate, ns, co, helper;
    Medians m;
    for (const auto& r : runs) {
        rate.push_back(r.signalsPerSec());
        ns.push_back(r.consumerNsPerSignal());
        co.push_back(r.coalescing());
        helper.push_back(r.consumed ? static_cast<double>(r.helperCpuNs) / static_cast<double>(r.consumed) : 0);
        m.drops += r.ringDrops;
    }
    m.rate = median(rate);
    m.ns = median(ns);
    m.coalescing = median(co);
    m.helperNs = median(helper);
    return m;
}

int throughputMain(int argc, char** argv)
{
    Options o;
    CLI::App app{"irqscope throughput bench: N eventfds, one producer-bound writer, epoll vs io_uring vs irqscope in "
                 "interleaved rounds (see docs/benchmarks.md)"};
    app.add_option("--rounds", o.rounds, "interleaved rounds (medians are taken across them)")
        ->check(CLI::Range(1u, 1000u));
    app.add_option("--seconds", o.seconds, "producer run time per consumer per round")->check(CLI::Range(0.01, 600.0));
    app.add_option("--fds", o.counts, "eventfd counts to run")->check(CLI::Range(1u, 2048u));
    app.add_option("--consumers", o.only,
                   "run only these consumers (write, epoll, io_uring, irqscope): for profiling one of them; the "
                   "ratios need io_uring, epoll and irqscope")
        ->check(CLI::IsMember({"write", "epoll", "io_uring", "irqscope"}));
    app.add_flag("--smoke", o.smoke, "a few seconds: 1 round of 0.1 s; checks that every consumer runs and balances");
    CLI11_PARSE(app, argc, argv);
    if (o.smoke) {
        o.rounds = 1;
        o.seconds = 0.1;
    }

    fmt::print("irqscope bench/throughput | {}\n", machineLine());
    const auto cpus = core::allowedCpus();
    TputPlan base;
    base.producerCpu = cpus.front();
    base.consumerCpu = cpus.size() > 1 ? cpus[1] : cpus.front();
    base.seconds = o.seconds;
    fmt::print("producer CPU {} (SCHED_OTHER), consumers CPU {} (SCHED_OTHER), {} rounds x {} s per consumer\n",
               base.producerCpu, base.consumerCpu, o.rounds, o.seconds);

    std::vector<std::unique_ptr<Consumer>> consumers;
    consumers.push_back(makeWriteCeiling());
    consumers.push_back(makeEpollConsumer());
    consumers.push_back(makeUringConsumer());
    consumers.push_back(makeEngineConsumer());
    if (!o.only.empty()) {
        std::erase_if(consumers, [&](const auto& c) {
            const std::string name = c->name() == "write(2) only" ? "write" : std::string(c->name());
            return std::find(o.only.begin(), o.only.end(), name) == o.only.end();
        });
    }

    std::map<uint32_t, std::map<std::string, std::vector<TputResult>>> results;
    bool ok = true;
    for (uint32_t r = 0; r < o.rounds; ++r) {
        for (uint32_t n : o.counts) {
            TputPlan plan = base;
            plan.fds = n;
            for (std::size_t k = 0; k < consumers.size(); ++k) {
                Consumer& c = *consumers[(k + r) % consumers.size()];
                TputResult res = c.run(plan);
                if (res.error) {
                    fmt::print(stderr, "N={} {}: {}\n", n, c.name(), *res.error);
                    ok = false;
                } else if (c.name() != "write(2) only" && !res.balanced()) {
                    fmt::print(stderr, "N={} {}: accounting: produced {} consumed {}\n", n, c.name(), res.produced,
                               res.consumed);
                    ok = false;
                }
                results[n][std::string(c.name())].push_back(res);
            }
        }
    }

    for (uint32_t n : o.counts) {
        fmt::print("\n== N = {} eventfds (median of {} rounds)\n", n, o.rounds);
        fmt::print("{:<14} {:>10} {:>12} {:>10} {:>11}\n", "consumer", "signals/s", "consumer ns", "coalescing",
                   "accounting");
        std::map<std::string, Medians> m;
        for (const auto& c : consumers) {
            const std::string name(c->name());
            const auto& runs = results[n][name];
            Medians med = mediansOf(runs);
            med.balanced = std::all_of(runs.begin(), runs.end(), [](const TputResult& t) { return t.balanced(); });
            m[name] = med;
            if (name == "write(2) only") {
                fmt::print("{:<14} {:>9.2f}M {:>12} {:>10} {:>11}\n", name, med.rate / 1e6, "-", "-", "-");
                continue;
            }
            fmt::print("{:<14} {:>9.2f}M {:>12.0f} {:>10.2f} {:>11}", name, med.rate / 1e6, med.ns, med.coalescing,
                       med.balanced ? "ok" : "UNBALANCED");
            if (c->isIrqscope())
                fmt::print("   (+ aggregator {:.0f} ns/signal, {} samples dropped)", med.helperNs, med.drops);
            fmt::print("\n");
        }
        if (!m.count("irqscope") || !m.count("io_uring") || !m.count("epoll"))
            continue; // --consumers left out one side of the ratios
        const Medians& mine = m["irqscope"];
        const double vsUring = mine.rate / m["io_uring"].rate;
        const double vsEpoll = mine.rate / m["epoll"].rate;
        const double vsBest = mine.rate / std::max(m["io_uring"].rate, m["epoll"].rate);
        fmt::print("irqscope / io_uring {:.2f}x   irqscope / epoll {:.2f}x   irqscope / best raw {:.2f}x\n", vsUring,
                   vsEpoll, vsBest);
        if (n >= 64) {
            fmt::print("targets (N >= 64): >= {:.2f}x best raw: {}   >= {:.2f}x epoll: {}   <= {:.0f} ns/signal: {}   "
                       "accounting: {}\n",
                       kVsBestRawTarget, vsBest >= kVsBestRawTarget ? "met" : "NOT met", kVsEpollTarget,
                       vsEpoll >= kVsEpollTarget ? "met" : "NOT met", kConsumerNsTarget,
                       mine.ns <= kConsumerNsTarget ? "met" : "NOT met", mine.balanced ? "met" : "NOT met");
        }
    }
    std::fflush(stdout);
    return ok ? 0 : 1;
}

} // namespace
} // namespace irqscope::bench

int main(int argc, char** argv)
{
    return irqscope::bench::throughputMain(argc, argv);
}

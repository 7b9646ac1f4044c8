// Host handler timing through a tracefs instance: enabling, filtering, reading trace_pipe, and removing it.
#include "observe/handler_timing.h"

#include "base/number_text.h"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace irqscope::core {

namespace {

constexpr std::string_view kInstancePrefix = "irqscope-";
const char* const kEvents[] = {"irq_handler_entry", "irq_handler_exit"};
constexpr const char* kIrteEvent = "events/kvm/kvm_pi_irte_update/enable";

bool writeFile(const std::string& path, const std::string& value)
{
    const int fd = open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool ok = write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
    close(fd);
    return ok;
}

// Instances named irqscope-PID whose process is gone (a killed irqscope) are removed.
void removeStaleInstances(const std::string& instances)
{
    DIR* dir = opendir(instances.c_str());
    if (!dir)
        return;
    std::vector<std::string> stale;
    while (const dirent* e = readdir(dir)) {
        const std::string_view name = e->d_name;
        const auto pid =
            name.starts_with(kInstancePrefix) ? parseInteger<int>(name.substr(kInstancePrefix.size())) : std::nullopt;
        if (pid && *pid > 0 && kill(*pid, 0) != 0 && errno == ESRCH)
            stale.emplace_back(name);
    }
    closedir(dir);
    for (const auto& name : stale)
        rmdir((instances + "/" + name).c_str());
}

std::string notWritable(const std::string& root)
{
    return fmt::format("not available: needs tracefs write access (root, with tracefs mounted on {})", root);
}

} // namespace

std::optional<HandlerTraceEvent> parseHandlerTraceLine(std::string_view line)
{
    HandlerTraceEvent e;
    auto at = line.find(": irq_handler_entry: ");
    e.entry = at != std::string_view::npos;
    if (!e.entry)
        at = line.find(": irq_handler_exit: ");
    if (at == std::string_view::npos)
        return std::nullopt;
    // "[001]" is the CPU; the token before ": irq_handler_..." is the time, "seconds.microseconds".
    const auto open = line.find('[');
    const auto close = line.find(']', open);
    if (open == std::string_view::npos || close == std::string_view::npos || close > at)
        return std::nullopt;
    const auto cpu = parseInteger<int>(line.substr(open + 1, close - open - 1));
    if (!cpu)
        return std::nullopt;
    e.cpu = *cpu;
    const std::string_view head = line.substr(0, at);
    const std::string_view time = head.substr(head.find_last_of(' ') + 1);
    const auto dot = time.find('.');
    if (dot == std::string_view::npos || time.size() - dot - 1 != 6)
        return std::nullopt;
    const auto sec = parseInteger<int64_t>(time.substr(0, dot));
    const auto usec = parseInteger<int64_t>(time.substr(dot + 1));
    if (!sec || !usec)
        return std::nullopt;
    e.timeUs = *sec * 1'000'000 + *usec;
    std::string_view rest = line.substr(at);
    const auto irqAt = rest.find("irq=");
    if (irqAt == std::string_view::npos)
        return std::nullopt;
    rest.remove_prefix(irqAt + 4);
    const auto irq = parseInteger<int>(rest.substr(0, rest.find(' ')));
    if (!irq)
        return std::nullopt;
    e.irq = *irq;
    return e;
}

void HandlerDurations::add(const HandlerTraceEvent& e)
{
    if (e.entry) {
        m_open[e.cpu] = {e.irq, e.timeUs};
        return;
    }
    const auto open = m_open.find(e.cpu);
    if (open == m_open.end())
        return; // its entry came before tracing started (or was lost)
    const auto [irq, entryUs] = open->second;
    m_open.erase(open);
    const auto vector = m_irqs.find(irq);
    if (irq != e.irq || vector == m_irqs.end() || e.timeUs < entryUs)
        return;
    ++m_histograms[vector->second][e.timeUs - entryUs];
}

void HandlerDurations::feed(std::string_view text)
{
    while (!text.empty()) {
        const auto eol = text.find('\n');
        if (eol == std::string_view::npos) {
            m_partial.append(text);
            return;
        }
        if (m_partial.empty()) {
            if (auto e = parseHandlerTraceLine(text.substr(0, eol)))
                add(*e);
        } else {
            m_partial.append(text.substr(0, eol));
            if (auto e = parseHandlerTraceLine(m_partial))
                add(*e);
            m_partial.clear();
        }
        text.remove_prefix(eol + 1);
    }
}

std::map<VectorId, HandlerTiming> HandlerDurations::timings() const
{
    std::map<VectorId, HandlerTiming> out;
    for (const auto& [vector, histogram] : m_histograms) {
        HandlerTiming& t = out[vector];
        double sum = 0;
        for (const auto& [us, n] : histogram) {
            t.histogramUs.emplace_back(us, n);
            t.count += n;
            sum += static_cast<double>(us) * static_cast<double>(n);
        }
        if (t.count) {
            t.minUs = histogram.begin()->first;
            t.maxUs = histogram.rbegin()->first;
            t.meanUs = sum / static_cast<double>(t.count);
        }
    }
    return out;
}

std::unique_ptr<HandlerTracer> HandlerTracer::start(const std::string& tracefsRoot, std::string& status)
{
    const std::string instances = tracefsRoot + "/instances";
    if (access(instances.c_str(), W_OK) != 0) {
        status = notWritable(tracefsRoot);
        return nullptr;
    }
    removeStaleInstances(instances);
    const std::string instance = fmt::format("{}/{}{}", instances, kInstancePrefix, getpid());
    if (mkdir(instance.c_str(), 0700) != 0 && errno != EEXIST) {
        status = fmt::format("not available: cannot create the tracefs instance {}: {}", instance, strerror(errno));
        return nullptr;
    }
    if (access((instance + "/events/irq/irq_handler_entry/enable").c_str(), W_OK) != 0) {
        rmdir(instance.c_str());
        status = "not available: this kernel has no irq:irq_handler_entry/exit trace events";
        return nullptr;
    }
    const int pipe = open((instance + "/trace_pipe").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (pipe < 0) {
        status = fmt::format("not available: cannot read {}/trace_pipe: {}", instance, strerror(errno));
        rmdir(instance.c_str());
        return nullptr;
    }
    status = fmt::format("irq:irq_handler_entry/exit in tracefs instance {} (1 us resolution)", instance);
    std::unique_ptr<HandlerTracer> tracer(new HandlerTracer(instance, pipe));
    // Every IRTE change KVM makes from now on (docs/observer.md "Delivery"); the event exists while kvm is loaded.
    tracer->m_irteTraced = writeFile(instance + "/" + kIrteEvent, "1");
    tracer->m_irteStatus = tracer->m_irteTraced
                               ? fmt::format("kvm:kvm_pi_irte_update traced in {}", instance)
                               : std::string("not available: no kvm:kvm_pi_irte_update event (kvm is not loaded)");
    return tracer;
}

HandlerTracer::HandlerTracer(std::string instance, int pipeFd)
    : m_instance(std::move(instance))
    , m_pipe(pipeFd)
{}

HandlerTracer::~HandlerTracer()
{
    stop();
}

bool HandlerTracer::writeEvents(const std::string& file, const std::string& value)
{
    bool ok = true;
    for (const char* event : kEvents)
        ok = writeFile(fmt::format("{}/events/irq/{}/{}", m_instance, event, file), value) && ok;
    return ok;
}

void HandlerTracer::setIrqs(const std::map<int, VectorId>& irqs)
{
    if (m_stopped || irqs == m_irqs)
        return;
    m_irqs = irqs;
    m_durations.setIrqs(irqs);
    if (irqs.empty()) {
        writeEvents("enable", "0");
        return;
    }
    std::string filter;
    for (const auto& [irq, vector] : irqs)
        filter += fmt::format("{}irq == {}", filter.empty() ? "" : " || ", irq);
    writeEvents("filter", filter);
    writeEvents("enable", "1");
}

void HandlerTracer::poll()
{
    if (m_pipe < 0)
        return;
    char buffer[16384];
    while (true) {
        const ssize_t n = read(m_pipe, buffer, sizeof buffer);
        if (n <= 0)
            return; // EAGAIN: nothing more for now
        m_durations.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
        m_irte.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
    }
}

void HandlerTracer::stop()
{
    if (m_stopped)
        return;
    m_stopped = true;
    writeEvents("enable", "0");
    if (m_irteTraced)
        writeFile(m_instance + "/" + kIrteEvent, "0");
    if (m_pipe >= 0) {
        poll();
        close(m_pipe);
        m_pipe = -1;
    }
    rmdir(m_instance.c_str());
}

} // namespace irqscope::core

#include "sim/sim_device.h"

#include "engine/monotonic_clock.h"
#include "engine/vector_id.h"
#include "util/vector_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <functional>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace irqscope::core {

SimDevice::SimDevice(SimConfig config)
    : m_config(std::move(config))
    , m_kernel(m_config)
    , m_rng(m_config.faults.seed)
{
    m_info.id = "sim";
    m_info.description =
        fmt::format("irqscope simulated device (kernel model {}; INTx {}, MSI {}, MSI-X {})",
                    simKernelName(m_config.kernel), m_config.intx ? 1 : 0, m_config.msiVectors, m_config.msixVectors);
    m_info.flags = VFIO_DEVICE_FLAGS_PCI;
    m_info.numRegions = VFIO_PCI_NUM_REGIONS;
    m_info.numIrqs = kNumPciIrqIndexes;
    for (const auto& text : m_config.faults.stuckMask) {
        const auto colon = text.find(':');
        const auto index = parseIrqIndex(std::string_view(text).substr(0, colon));
        const uint32_t sub = colon == std::string::npos ? 0 : static_cast<uint32_t>(std::stoul(text.substr(colon + 1)));
        if (index) {
            m_stuck.emplace_back(*index, sub);
            if (*index == IrqIndex::Intx)
                m_kernel.setStuckIntx(true);
        }
    }
    m_scheduled.reserve(kQueue);
    m_wakeFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    m_thread = std::thread([this] { run(); });
}

SimDevice::~SimDevice()
{
    m_stop.store(true, std::memory_order_release);
    wake();
    if (m_thread.joinable())
        m_thread.join();
    if (m_wakeFd >= 0)
        close(m_wakeFd);
}

int SimDevice::irqInfo(uint32_t index, IrqInfo& out)
{
    std::lock_guard lock(m_mutex);
    return m_kernel.irqInfo(index, out);
}

int SimDevice::setIrqs(std::span<const std::byte> request)
{
    int rc;
    {
        std::lock_guard lock(m_mutex);
        rc = m_kernel.setIrqs(request);
    }
    wake(); // the unmask eventfd may have changed
    return rc;
}

int SimDevice::regionRead32(uint32_t region, uint64_t offset, uint32_t& value)
{
    if (region != simreg::kBar || offset % 4 || offset + 4 > simreg::kBarSize)
        return -EINVAL;
    std::lock_guard lock(m_mutex);
    switch (offset) {
    case simreg::kId:
        value = simreg::kIdValue;
        break;
    case simreg::kVersion:
        value = 1;
        break;
    case simreg::kIntxStatus:
        value = m_kernel.intxLevel() ? 1 : 0;
        break;
    case simreg::kRaiseCount:
        value = static_cast<uint32_t>(m_raiseCount.load());
        break;
    default:
        value = 0;
    }
    return 0;
}

int SimDevice::regionWrite32(uint32_t region, uint64_t offset, uint32_t value)
{
    if (region != simreg::kBar || offset % 4 || offset + 4 > simreg::kBarSize)
        return -EINVAL;
    const int64_t now = monotonicNs();
    {
        std::lock_guard lock(m_mutex);
        if (offset == simreg::kIntxAck) {
            m_kernel.setIntxLevel(false); // acks take effect at once, like edu's 0x64 write
            return 0;
        }
        if (offset != simreg::kRaiseMsix && offset != simreg::kRaiseMsi && offset != simreg::kIntxAssert)
            return 0; // read-only or unused registers ignore writes
        if (m_queueSize == kQueue) {
            m_overflows.fetch_add(1, std::memory_order_relaxed);
            return 0; // the device is swamped: the raise is lost, as on real hardware
        }
        m_queue[(m_queueHead + m_queueSize++) % kQueue] = {offset, value, now};
    }
    wake();
    return 0;
}

SimHardwareStats SimDevice::hardwareStats() const
{
    SimHardwareStats s;
    s.raises = m_raises.load();
    s.dropped = m_dropped.load();
    s.delayed = m_delayed.load();
    s.stuck = m_stuckRaises.load();
    s.spurious = m_spurious.load();
    s.queueOverflows = m_overflows.load();
    std::lock_guard lock(m_mutex);
    s.signals = m_kernel.signals();
    return s;
}

bool SimDevice::intxMasked() const
{
    std::lock_guard lock(m_mutex);
    return m_kernel.intxMasked();
}

bool SimDevice::intxLevel() const
{
    std::lock_guard lock(m_mutex);
    return m_kernel.intxLevel();
}

void SimDevice::wake()
{
    const uint64_t one = 1;
    if (m_wakeFd >= 0)
        (void)!write(m_wakeFd, &one, sizeof one);
}

bool SimDevice::stuck(IrqIndex index, uint32_t vector) const
{
    return std::find(m_stuck.begin(), m_stuck.end(), std::make_pair(index, vector)) != m_stuck.end();
}

int64_t SimDevice::sampleLatency()
{
    const auto& d = m_config.deviceLatency;
    double ns = 0;
    switch (d.kind) {
    case LatencyDistribution::Kind::None:
        return 0;
    case LatencyDistribution::Kind::Fixed:
        ns = d.a;
        break;
    case LatencyDistribution::Kind::Uniform:
        ns = std::uniform_real_distribution<double>(d.a, d.b)(m_rng);
        break;
    case LatencyDistribution::Kind::Normal:
        ns = std::normal_distribution<double>(d.a, d.b)(m_rng);
        break;
    case LatencyDistribution::Kind::LogNormal:
        ns = d.a * std::exp(std::normal_distribution<double>(0, d.b)(m_rng));
        break;
    case LatencyDistribution::Kind::Exponential:
        ns = std::exponential_distribution<double>(1.0 / std::max(d.a, 1.0))(m_rng);
        break;
    }
    return static_cast<int64_t>(std::max(0.0, ns));
}

void SimDevice::take(const Write& w, int64_t nowNs)
{
    m_raises.fetch_add(1, std::memory_order_relaxed);
    m_raiseCount.fetch_add(1, std::memory_order_relaxed);
    Scheduled s;
    s.index = w.offset == simreg::kRaiseMsix  ? IrqIndex::Msix
              : w.offset == simreg::kRaiseMsi ? IrqIndex::Msi
                                              : IrqIndex::Intx;
    s.vector = s.index == IrqIndex::Intx ? 0 : w.value;
    if (s.index != IrqIndex::Intx && stuck(s.index, s.vector)) {
        m_stuckRaises.fetch_add(1, std::memory_order_relaxed); // its device-side mask bit never clears
        return;
    }
    std::uniform_real_distribution<double> coin(0, 1);
    if (m_config.faults.dropProbability > 0 && coin(m_rng) < m_config.faults.dropProbability) {
        m_dropped.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    s.dueNs = std::max(nowNs, w.atNs + sampleLatency());
    if (m_config.faults.delayProbability > 0 && coin(m_rng) < m_config.faults.delayProbability) {
        m_delayed.fetch_add(1, std::memory_order_relaxed);
        s.dueNs += static_cast<int64_t>(m_config.faults.delayNs);
    }
    m_scheduled.push_back(s);
    std::push_heap(m_scheduled.begin(), m_scheduled.end(), std::greater<>());
}

void SimDevice::deliver(const Scheduled& s)
{
    std::lock_guard lock(m_mutex);
    if (s.index == IrqIndex::Intx)
        m_kernel.setIntxLevel(true); // level-triggered: stays asserted until INTX_ACK
    else
        m_kernel.raiseMsi(s.index, s.vector);
}

void SimDevice::run()
{
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    std::uniform_real_distribution<double> coin(0, 1);
    int64_t nextSpurious = INT64_MAX;
    auto scheduleSpurious = [&](int64_t now) {
        const double rate = m_config.faults.spuriousRateHz;
        uint32_t armed;
        {
            std::lock_guard lock(m_mutex);
            armed = m_kernel.armedVectors();
        }
        if (rate <= 0 || armed == 0) {
            nextSpurious = now + 10'000'000; // look again in 10 ms
            return;
        }
        const double total = rate * armed;
        nextSpurious = now + static_cast<int64_t>(std::exponential_distribution<double>(total)(m_rng) * 1e9);
    };
    scheduleSpurious(monotonicNs());
    std::vector<Write> batch;
    batch.reserve(kQueue);
    while (!m_stop.load(std::memory_order_acquire)) {
        const int64_t now = monotonicNs();
        // Take the register writes.
        batch.clear();
        int unmaskFd;
        {
            std::lock_guard lock(m_mutex);
            while (m_queueSize) {
                batch.push_back(m_queue[m_queueHead]);
                m_queueHead = (m_queueHead + 1) % kQueue;
                --m_queueSize;
            }
            unmaskFd = m_kernel.intxUnmaskFd();
        }
        for (const auto& w : batch)
            take(w, now);
        // Deliver what is due.
        while (!m_scheduled.empty() && m_scheduled.front().dueNs <= monotonicNs()) {
            std::pop_heap(m_scheduled.begin(), m_scheduled.end(), std::greater<>());
            const Scheduled s = m_scheduled.back();
            m_scheduled.pop_back();
            deliver(s);
        }
        if (now >= nextSpurious) {
            if (m_config.faults.spuriousRateHz > 0) {
                std::lock_guard lock(m_mutex);
                // A raise with no cause on a random armed vector (INTx asserts its level).
                const uint32_t armed = m_kernel.armedVectors();
                if (armed) {
                    if (m_kernel.intxEnabled()) {
                        m_kernel.setIntxLevel(true);
                        m_spurious.fetch_add(1, std::memory_order_relaxed);
                    } else {
                        uint32_t pick = std::uniform_int_distribution<uint32_t>(0, armed - 1)(m_rng);
                        for (IrqIndex idx : {IrqIndex::Msi, IrqIndex::Msix}) {
                            for (uint32_t v = 0; v < kMaxMsixVectors; ++v) {
                                if (m_kernel.vectorArmed(idx, v) && pick-- == 0) {
                                    m_kernel.raiseMsi(idx, v);
                                    m_spurious.fetch_add(1, std::memory_order_relaxed);
                                }
                            }
                        }
                    }
                }
            }
            scheduleSpurious(monotonicNs());
        }
        // Sleep until the next due event, a register write, or an unmask-eventfd write.
        int64_t until = nextSpurious;
        if (!m_scheduled.empty())
            until = std::min(until, m_scheduled.front().dueNs);
        const int64_t waitNs = std::max<int64_t>(0, until - monotonicNs());
        pollfd fds[2] = {{m_wakeFd, POLLIN, 0}, {unmaskFd, POLLIN, 0}};
        const timespec ts{static_cast<time_t>(waitNs / 1'000'000'000), static_cast<long>(waitNs % 1'000'000'000)};
        if (ppoll(fds, unmaskFd >= 0 ? 2 : 1, &ts, nullptr) > 0) {
            uint64_t value;
            if (fds[0].revents & POLLIN)
                (void)!read(m_wakeFd, &value, sizeof value);
            if (unmaskFd >= 0 && (fds[1].revents & POLLIN)) {
                // virqfd: a write to the unmask eventfd runs the unmask handler and drains the counter
                // (vfio-irq-facts §2.4).
                std::lock_guard lock(m_mutex);
                if (m_kernel.intxUnmaskFd() == unmaskFd && read(unmaskFd, &value, sizeof value) == sizeof value)
                    m_kernel.intxUnmaskHandler();
            }
        }
    }
}

} // namespace irqscope::core

// What the guest tests share: finding the QEMU devices, the guest's kernel line, IOMMU mode and QEMU version,
// eventfds with a bounded wait, and the device's host IRQ counts.
#pragma once

#include "irq_sequences.h"

#include "observe/host_irq.h"
#include "vfio/discovery.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <poll.h>
#include <sys/utsname.h>

namespace irqscope::vmtest {

// The guest's kernel line, from uname: the SimDevice model to compare with.
inline SimKernel guestKernel()
{
    utsname u{};
    uname(&u);
    return std::string_view(u.release).starts_with("6.1.") ? SimKernel::Linux6_1 : SimKernel::Linux6_12;
}

// "noiommu" or "type1", as /init booted the guest (IRQSCOPE_VM_MODE); type1 runs with interrupt remapping.
inline std::string guestMode()
{
    const char* mode = std::getenv("IRQSCOPE_VM_MODE");
    return mode ? mode : "";
}

// The QEMU version the harness booted the guest with (irqscope.qemu= on the kernel command line), "" if unknown.
inline std::string qemuVersion()
{
    std::ifstream in("/proc/cmdline");
    std::string word;
    while (in >> word)
        if (word.starts_with("irqscope.qemu="))
            return word.substr(word.find('=') + 1);
    return {};
}

// The kernel runs vfio's handlers in threads: PREEMPT_RT (uname -v says so) or `threadirqs` on the command line
// (docs/rt-hosts.md). Hard interrupts that come while their thread is still pending are handled by one run of it,
// so one eventfd signal may stand for several host interrupts there (docs/guest-tests.md pitfall 21).
inline bool threadedIrqHandlers()
{
    utsname u{};
    uname(&u);
    if (std::string_view(u.version).find("PREEMPT_RT") != std::string_view::npos)
        return true;
    std::ifstream in("/proc/cmdline");
    std::string word;
    while (in >> word)
        if (word == "threadirqs")
            return true;
    return false;
}

inline bool interruptRemapping()
{
    return guestMode() == "type1";
}

// The BDF of the QEMU device of this kind bound to vfio-pci, "" when the guest has none.
inline std::string findDevice(DeviceKind kind)
{
    const auto [vendor, device] = pciIds(kind);
    for (const auto& d : discoverVfioDevices())
        if (d.vendor == vendor && d.device == device)
            return d.bdf;
    return {};
}

// Skips the test unless the guest has the device (on a host, nothing is bound to vfio-pci).
#define IRQSCOPE_REQUIRE_DEVICE(bdf, kind)                                                                             \
    const std::string bdf = findDevice(kind);                                                                          \
    if (bdf.empty())                                                                                                   \
    GTEST_SKIP() << deviceKindName(kind) << " is not bound to vfio-pci here: run tests/vm/run-vm-tests.sh"

class Eventfd
{
public:
    Eventfd()
        : m_fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
    {}
    ~Eventfd() { close(m_fd); }
    Eventfd(const Eventfd&) = delete;
    Eventfd& operator=(const Eventfd&) = delete;
    int fd() const { return m_fd; }

    // The counter after waiting up to `timeoutMs` for it to become non-zero (0: it did not).
    uint64_t wait(int timeoutMs) const
    {
        pollfd p{m_fd, POLLIN, 0};
        if (poll(&p, 1, timeoutMs) <= 0)
            return 0;
        uint64_t value = 0;
        return read(m_fd, &value, sizeof value) == static_cast<ssize_t>(sizeof value) ? value : 0;
    }

private:
    int m_fd;
};

// Host IRQ count of one vector of the device (0 when it has no IRQ).
inline uint64_t hostCount(const std::string& bdf, VectorId vector)
{
    const auto irqs = readHostIrqs(bdf);
    const HostIrq* irq = findHostIrq(irqs, vector);
    return irq ? irq->total() : 0;
}

} // namespace irqscope::vmtest

// Shared fixtures of the UI tests: fake sysfs/procfs/dev trees (like tests/core's discovery and observe tests) and
// a recording made the way `irqscope run --record` makes one.
#pragma once

#include "session/device_catalog.h"
#include "stats/snapshot.h"

#include <filesystem>
#include <string>

namespace irqscope::ui::test {

// How long a UI test waits for something it needs (QTRY_*, QSignalSpy::wait): the wait ends as soon as the
// condition holds, so this only bounds a broken build; the machine's speed (a GUI thread that waited 0.8 s of each
// second for a CPU under load) is not a reason to fail.
inline constexpr int kGenerousWaitMs = 30'000;

// A temporary host: PCI devices in a fake sysfs, processes and /proc/interrupts in a fake procfs, VFIO group
// nodes under a fake /dev. Removed with the object.
class FakeHost
{
public:
    FakeHost();
    ~FakeHost();
    FakeHost(const FakeHost&) = delete;
    FakeHost& operator=(const FakeHost&) = delete;

    DeviceRoots roots() const;
    // A device (vendor 1234:11e8, INTx and `msix` MSI-X vectors) bound to `driver`, in IOMMU group `group`.
    void device(const std::string& bdf, const std::string& driver, int group, uint16_t msix);
    // The group's node under the fake /dev, with `mode`.
    void groupNode(int group, std::filesystem::perms mode);
    // Process `pid` named `comm` with an fd open on `target` ("/dev/vfio/12").
    void owner(int pid, const std::string& comm, const std::string& target);
    // /proc/interrupts with vfio-msix[0] (IRQ 24, CPU 0) and vfio-msix[1] (IRQ 25, CPU 1) of 0000:00:02.0.
    void interrupts(uint64_t a, uint64_t b);

private:
    std::filesystem::path m_root;
};

// Records the simulated device's msix:0-7, triggered by loopback at 1 kHz for at least 0.4 s and until every
// vector has completed 100 triggers, to `path`; returns the final snapshot it recorded.
core::Snapshot makeRecording(const std::string& path);

} // namespace irqscope::ui::test

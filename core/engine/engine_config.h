// EngineConfig: how the core thread runs (CPU, scheduling, memory locking, PM QoS) and how it fires vectors.
#pragma once

#include "base/vector_id.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace irqscope::core {

struct DeviceProfile;
class CommandTrigger;

enum class TriggerMode : uint8_t
{
    None,     // passive: count the device's own interrupts only
    Loopback, // VFIO loopback: SET_IRQS DATA_NONE|ACTION_TRIGGER (docs/kernel-vfio-irq.md §1.3)
    Device,   // a register write described by the device profile makes the device raise the vector
};

std::optional<TriggerMode> parseTriggerMode(std::string_view text);
std::string_view triggerModeName(TriggerMode mode);

// Why busy-poll cannot run with this SCHED_FIFO priority, or nullopt. A SCHED_FIFO thread that never sleeps is
// parked by RT throttling for (period - runtime) every period: 50 ms each second with the default
// sched_rt_runtime_us=950000 (docs/wakeup-floor.md §1, row e), a stall far larger than anything it measures. So
// busy-poll runs SCHED_OTHER, or SCHED_FIFO only when throttling is off (sched_rt_runtime_us = -1).
// `rtRuntimeUs` is the sysctl's value (nullopt: unreadable, treated as throttling on).
struct EngineConfig;
// Whether device-raised triggers can raise `id`: the command trigger's answer when there is one, else the profile's.
bool canDeviceRaise(const EngineConfig& config, VectorId id);
// The name of what raises the vectors: the command trigger's ("nvme") or the profile's.
std::string deviceRaiserName(const EngineConfig& config);

std::optional<std::string> busyPollRefusal(int fifoPriority, std::optional<long> rtRuntimeUs);
std::optional<long> readRtRuntimeUs(); // /proc/sys/kernel/sched_rt_runtime_us

struct EngineConfig;
// Why the core thread cannot run with `config` (a trigger CPU outside the allowed set, an outstanding window
// out of range, device triggers without a profile, busyPollRefusal), or nullopt.
std::optional<std::string> coreConfigRefusal(const EngineConfig& config);

struct EngineConfig
{
    int coreCpu = -1;     // -1: the first CPU in the process's allowed set
    int fifoPriority = 0; // 0: SCHED_OTHER; 1..99: SCHED_FIFO at that priority
    bool mlock = false;   // mlockall(MCL_CURRENT | MCL_FUTURE) before arming
    bool pmQos = false;   // per-CPU PM QoS "n/a" on the core CPU (docs/wakeup-floor.md §1b), restored on exit
    // Busy-poll: the core thread never sleeps in the kernel; it spins on its io_uring rings and uses 100 % of the
    // core CPU for as long as it runs. Refused with SCHED_FIFO while RT throttling is on (busyPollRefusal).
    bool busyPoll = false;
    int triggerCpu = -1; // -1: fire on the core thread; otherwise a trigger thread pinned to this CPU
    // The delivery poller's CPU (docs/dma-triggers.md §6), in device-triggered runs with a command trigger only.
    // -1: the first allowed CPU that is not the core's (choosePollerCpu).
    int pollerCpu = -1;
    TriggerMode triggerMode = TriggerMode::Loopback;
    double rateHz = 1000;                           // trigger rate per vector
    std::chrono::nanoseconds deadline{100'000'000}; // a trigger with no completion by then is missed
    uint32_t sampleRingCapacity = 1u << 16;
    uint32_t maxOutstanding = 16;           // per vector; triggers beyond it are skipped (counted), never fired
    bool intxUnmaskEventfd = false;         // unmask INTx through an unmask eventfd instead of the UNMASK ioctl
    const DeviceProfile* profile = nullptr; // device-raise recipes; required for TriggerMode::Device
    // A command trigger (NVMe: docs/dma-triggers.md) raises the device's vectors instead of the profile's register
    // writes when set. Not owned; outlives the engine.
    CommandTrigger* commandTrigger = nullptr;
    // Least privilege (docs/privileges.md): once set up, the core thread (and the trigger thread it starts) drop
    // every capability not in `keepCapabilities` (a mask of capabilityBit(CAP_...)).
    bool dropCapabilities = false;
    uint64_t keepCapabilities = 0;
};

} // namespace irqscope::core

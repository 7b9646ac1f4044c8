// Configuration of the simulated device: which kernel's SET_IRQS semantics it models, the shape of the device
// (which interrupt indexes it has and how many vectors), the simulated hardware's latency and injected faults.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irqscope::core {

// The kernel lines whose vfio-pci SET_IRQS behaviour the sim reproduces (docs/guest-tests.md §7).
enum class SimKernel
{
    Linux6_1,  // array ctx, MSI-X NORESIZE, loopback beyond the enabled count is -EINVAL
    Linux6_12, // xarray ctx, dynamic MSI-X (no NORESIZE), loopback inside the table is a silent 0
};

std::optional<SimKernel> parseSimKernel(std::string_view text); // "6.1" or "6.12"
std::string_view simKernelName(SimKernel kernel);

// Device-side delay between a device-raise register write and the interrupt being signalled.
struct LatencyDistribution
{
    enum class Kind
    {
        None,        // signal as soon as the simulated hardware thread sees the write
        Fixed,       // a
        Uniform,     // uniform in [a, b]
        Normal,      // mean a, standard deviation b, clamped at 0
        LogNormal,   // median a, shape sigma b (e.g. 0.5)
        Exponential, // mean a
    };
    Kind kind = Kind::None;
    double a = 0; // ns
    double b = 0; // ns (or sigma for LogNormal)
};

// Parses "none", "fixed:5us", "uniform:2us-10us", "normal:10us,2us", "lognormal:8us,0.5", "exp:20us".
// Returns std::nullopt and sets `error` to a one-line message on bad input.
std::optional<LatencyDistribution> parseLatencyDistribution(std::string_view text, std::string& error);

// Faults the simulated hardware injects, so that tests prove each one is detected.
struct SimFaults
{
    double dropProbability = 0;  // a device-raised interrupt is lost (shows as `missed`)
    double delayProbability = 0; // a device-raised interrupt is held back by `delayNs` (late or `missed`)
    uint64_t delayNs = 0;
    double spuriousRateHz = 0; // interrupts raised with no cause, per armed vector (shows as `spurious`)
    // Vectors whose mask sticks: INTx stays masked after UNMASK; an MSI/MSI-X vector's device-side mask bit
    // never clears, so it never fires (shows as `missed` and the stuck state). Written "intx:0", "msix:3".
    std::vector<std::string> stuckMask;
    // The host asks for the device back (an unbind, docs/kernel-vfio-irq.md §2.6) this long after the device is
    // created: the REQ trigger is signalled then and again every second, as vfio_pci_core_request() repeats its request
    // until the device is released (the kernel repeats every 10 s). 0: never. Written "req-after=2s".
    uint64_t reqAfterNs = 0;
    // The first MSI/MSI-X loopback trigger call blocks this long before it signals, as a firing thread taken off
    // its CPU would: the trigger schedule falls behind and counts the rounds it skips (schedule_behind,
    // docs/report-schema.md). 0: never. Written "trigger-stall=50ms".
    uint64_t triggerStallNs = 0;
    uint64_t seed = 1;
};

// Parses "drop=0.01,delay=0.1@2ms,spurious=50,stuck-mask=intx:0+msix:3,seed=7".
std::optional<SimFaults> parseSimFaults(std::string_view text, std::string& error);

// What sits behind the simulated device's BAR0.
enum class SimModel
{
    Registers, // raise registers (simreg below): the `sim` profile's device-raised triggers
    Nvme,      // a small NVMe controller completing commands by DMA (sim_nvme.h, docs/dma-triggers.md §4)
    Xhci,      // a small xHCI controller: command ring, event rings (sim_xhci.h, docs/dma-triggers.md §5)
};

// Faults of the xhci model's controller.
enum class SimXhciFault
{
    None,
    NeverReady,   // after HCRST, USBSTS.CNR never clears
    HostError,    // RS=1 sets USBSTS.HSE (host system error) and the controller stays halted
    CommandError, // every command completes with completion code TRB Error
};

// Faults of the nvme model's controller.
enum class SimNvmeFault
{
    None,
    NeverReady,   // CC.EN=1 never sets CSTS.RDY
    Fatal,        // CC.EN=1 sets CSTS.CFS (controller fatal status) instead of RDY
    CommandError, // every I/O command completes with status Invalid Field
    NoVerify,     // Identify Controller reports no Verify command (ONCS bit 7 clear)
};

std::optional<SimModel> parseSimModel(std::string_view text); // "registers", "nvme" or "xhci"
// "none", "never-ready", "fatal", "command-error", "no-verify"
std::optional<SimNvmeFault> parseSimNvmeFault(std::string_view text);

struct SimConfig
{
    SimKernel kernel = SimKernel::Linux6_1;
    bool intx = true;               // INTERRUPT_PIN non-zero: INTx count 1
    bool pci23Masking = true;       // PCI 2.3 DisINTx masking (else disable_irq_nosync: docs/kernel-vfio-irq.md §2.4)
    uint32_t msiVectors = 8;        // Multiple Message Capable, power of two 1..32 (0: no MSI capability)
    uint32_t msixVectors = 64;      // MSI-X table size 0..2048
    bool pcie = true;               // ERR index only on PCIe (docs/kernel-vfio-irq.md §1.5)
    bool interruptRemapping = true; // without it multi-MSI enable returns a positive shortfall (§2.5)
    LatencyDistribution deviceLatency; // registers: write -> interrupt; nvme: doorbell -> completion in memory
    SimFaults faults;
    SimModel model = SimModel::Registers;
    LatencyDistribution interruptLatency; // nvme, xhci: completion in memory -> its MSI-X message (the delivery)
    SimNvmeFault nvmeFault = SimNvmeFault::None;
    SimXhciFault xhciFault = SimXhciFault::None;
};

// BAR0 register map of the simulated device (all 32-bit, little endian). Writes to RAISE_* make the
// simulated hardware raise that vector after the configured device latency; INTx is level-triggered and stays
// asserted until INTX_ACK is written (like QEMU's edu device, docs/kernel-vfio-irq.md §5).
namespace simreg {
inline constexpr uint32_t kBar = 0;
inline constexpr uint32_t kBarSize = 0x1000;
inline constexpr uint64_t kId = 0x00;         // RO: 0x51524953 ("SIRQ")
inline constexpr uint64_t kVersion = 0x04;    // RO: 1
inline constexpr uint64_t kRaiseMsix = 0x10;  // WO: MSI-X vector number to raise
inline constexpr uint64_t kRaiseMsi = 0x14;   // WO: MSI vector number to raise
inline constexpr uint64_t kIntxAssert = 0x18; // WO: any value asserts the INTx level
inline constexpr uint64_t kIntxAck = 0x1c;    // WO: any value de-asserts the INTx level
inline constexpr uint64_t kIntxStatus = 0x20; // RO: 1 while the INTx level is asserted
inline constexpr uint64_t kRaiseCount = 0x24; // RO: device raises seen (all vectors, wraps)
inline constexpr uint32_t kIdValue = 0x51524953;
} // namespace simreg

} // namespace irqscope::core

// Sample: the fixed-size record the core thread hands to the aggregator through the SPSC sample ring, one per
// completion, missed trigger, unsolicited completion or state change, and one per instrument-floor signal.
#pragma once

#include <cstdint>

namespace irqscope::core {

enum class SampleKind : uint8_t
{
    Completion,  // a trigger completed: latency = completionNs - triggerNs; value = eventfd counter read
    Missed,      // a trigger passed its deadline with no completion: triggerNs set, completionNs = when declared
    Unsolicited, // a completion with no outstanding trigger (spurious or device-originated); value = count
    Event,       // a state change or error: value = EventCode, seq = errno for errors
    // The instrument floor (engine/instrument_floor.h): irqscope's own eventfd, signalled by the firing thread;
    // not a vector: slot is 0 and means nothing, latency = completionNs - triggerNs, seq counts floor samples.
    Floor,
};

enum class EventCode : uint32_t
{
    Armed,
    Disarmed,
    Masked, // user mask
    Unmasked,
    Automasked, // INTx masked by the kernel handler after an interrupt (docs/kernel-vfio-irq.md §2.4)
    Error,      // a SET_IRQS or region access failed; seq carries the errno
    StuckMask,  // triggers keep missing on a vector that should be unmasked
};

// Sample::flags
namespace sampleflag {
// A Completion of a vector whose completions the delivery poller watches (docs/dma-triggers.md §6): visibleNs is
// its "completion visible in memory" stamp, or 0 when the poller had none that belongs to this command.
inline constexpr uint8_t kDeliveryTracked = 1u << 0;
// An Unsolicited sample counted spurious (irqscope was triggering the vector when it came), not the device's own.
// Decided by the core thread when it counted it: the vector's state when a reader sees the sample may differ.
inline constexpr uint8_t kSpurious = 1u << 1;
} // namespace sampleflag

struct Sample
{
    uint32_t slot = 0;
    SampleKind kind = SampleKind::Completion;
    uint8_t flags = 0; // sampleflag bits
    uint16_t reserved16 = 0;
    uint64_t value = 0;
    int64_t triggerNs = 0;    // CLOCK_MONOTONIC
    int64_t completionNs = 0; // CLOCK_MONOTONIC
    uint64_t seq = 0;         // trigger sequence number (errno for EventCode::Error)
    int64_t visibleNs = 0;    // CLOCK_MONOTONIC: the completion seen in memory by the poller; 0 = no stamp

    int64_t latencyNs() const { return completionNs - triggerNs; }
    bool deliveryTracked() const { return flags & sampleflag::kDeliveryTracked; }
    // Interrupt delivery: completion in memory -> eventfd completion; 0 when there is no delivery stamp.
    int64_t deliveryNs() const { return visibleNs > 0 ? completionNs - visibleNs : 0; }
};
static_assert(sizeof(Sample) == 48);

} // namespace irqscope::core

// The kvm:kvm_pi_irte_update tracepoint: when KVM points a device interrupt's IRTE at a vCPU (posted) or back at
// the host (remapped). Two formats (docs/observer.md "Delivery"): up to 6.16 each vendor traced only the IRTE
// updates that set up or tear down posting, with the vCPU's pi_desc_addr; from 6.17 common x86 code traces every
// IRTE change, and vcpu is -1 when the interrupt is not posted.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace irqscope::core {

// One trace_pipe line of kvm_pi_irte_update:
//   up to 6.16: "... 512.000001: kvm_pi_irte_update: PI is enabled and being updated for irq 56, vcpu 2,
//                gsi: 0x19, gvec: 0x22, pi_desc_addr: 0x1f3a4c0"
//   from 6.17:  "... 512.000001: kvm_pi_irte_update: PI is disabled for irq 56, vcpu -1, gsi: 0x19, gvec: 0x22"
struct IrteEvent
{
    int hostIrq = -1;
    int vcpu = -1; // the vCPU it is posted to; -1 when not posted (6.17 and later)
    uint32_t gsi = 0;
    uint32_t guestVector = 0;
    bool set = false;           // "enabled and being updated"; false: "disabled"
    bool hasPiDescAddr = false; // the format up to 6.16
    int64_t timeUs = 0;

    bool posted() const { return set && vcpu >= 0; }
};
std::optional<IrteEvent> parseIrteTraceLine(std::string_view line);

// The latest IRTE state per host IRQ seen in a trace (not thread-safe).
class IrteLog
{
public:
    // Feeds trace_pipe text; other events' lines are ignored and a line cut at the end is kept for the next call.
    void feed(std::string_view text);
    void add(const IrteEvent& event) { m_latest[event.hostIrq] = event; }
    const std::map<int, IrteEvent>& latest() const { return m_latest; }

private:
    std::map<int, IrteEvent> m_latest;
    std::string m_partial;
};

} // namespace irqscope::core

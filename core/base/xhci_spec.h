// The parts of the eXtensible Host Controller Interface specification (xHCI 1.2) irqscope's xHCI command trigger
// uses, shared by the driver (core/device/xhci_*) and the simulated controller (core/sim/sim_xhci): capability,
// operational and runtime registers, the TRB layout and the TRB types and completion codes. What each is used
// for: docs/dma-triggers.md §5.
#pragma once

#include <cstdint>

namespace irqscope::core::xhci {

inline constexpr uint32_t kPciClass = 0x0c0330; // serial bus, USB, xHCI

// Capability registers (spec §5.3), from BAR0 offset 0.
inline constexpr uint64_t kCapLength = 0x00;  // CAPLENGTH 7:0, HCIVERSION 31:16
inline constexpr uint64_t kHcsParams1 = 0x04; // MaxSlots 7:0, MaxIntrs 18:8, MaxPorts 31:24
inline constexpr uint64_t kHcsParams2 = 0x08; // Max Scratchpad Bufs Hi 25:21, Lo 31:27
inline constexpr uint64_t kHccParams1 = 0x10; // AC64 bit 0
inline constexpr uint64_t kDbOff = 0x14;      // doorbell array offset (dword aligned)
inline constexpr uint64_t kRtsOff = 0x18;     // runtime registers offset (32-byte aligned)

inline constexpr uint32_t maxInterrupters(uint32_t hcs1)
{
    return (hcs1 >> 8) & 0x7ff;
}
inline constexpr uint32_t maxScratchpads(uint32_t hcs2)
{
    return (((hcs2 >> 21) & 0x1f) << 5) | ((hcs2 >> 27) & 0x1f);
}

// Operational registers (spec §5.4), at CAPLENGTH.
inline constexpr uint64_t kUsbCmd = 0x00;
inline constexpr uint64_t kUsbSts = 0x04;
inline constexpr uint64_t kPageSize = 0x08; // bit n: 2^(n+12) bytes supported
inline constexpr uint64_t kCrcr = 0x18;     // 64-bit: RCS 0, CS 1, CA 2, CRR 3, pointer 63:6
inline constexpr uint64_t kDcbaap = 0x30;   // 64-bit
inline constexpr uint64_t kConfig = 0x38;   // MaxSlotsEn 7:0

inline constexpr uint32_t kCmdRun = 1u << 0;
inline constexpr uint32_t kCmdReset = 1u << 1; // HCRST
inline constexpr uint32_t kCmdInte = 1u << 2;
inline constexpr uint32_t kStsHalted = 1u << 0;    // HCH
inline constexpr uint32_t kStsHostError = 1u << 2; // HSE
inline constexpr uint32_t kStsEint = 1u << 3;
inline constexpr uint32_t kStsNotReady = 1u << 11; // CNR
inline constexpr uint32_t kStsHcError = 1u << 12;  // HCE
inline constexpr uint32_t kCrcrRcs = 1u << 0;

// Runtime registers (spec §5.5), at RTSOFF: interrupter n's register set at 0x20 + 32 n.
inline constexpr uint64_t interrupter(uint32_t n)
{
    return 0x20 + 32ull * n;
}
inline constexpr uint64_t kIman = 0x00;   // IP 0 (RW1C), IE 1
inline constexpr uint64_t kImod = 0x04;   // IMODI 15:0 (250 ns units), 0: no moderation
inline constexpr uint64_t kErstSz = 0x08; // segments in the event ring segment table
inline constexpr uint64_t kErstBa = 0x10; // 64-bit, 64-byte aligned
inline constexpr uint64_t kErdp = 0x18;   // 64-bit: DESI 2:0, EHB 3 (RW1C), pointer 63:4
inline constexpr uint32_t kImanPending = 1u << 0;
inline constexpr uint32_t kImanEnable = 1u << 1;
inline constexpr uint64_t kErdpBusy = 1u << 3; // EHB

// A Transfer Request Block (spec §4.11, §6.4): every ring's entry.
struct Trb
{
    uint64_t parameter = 0;
    uint32_t status = 0;
    uint32_t control = 0; // cycle 0, TC (Link) 1, type 15:10, slot id 31:24 (events)
};
static_assert(sizeof(Trb) == 16);

// An Event Ring Segment Table entry (spec §6.5).
struct ErstEntry
{
    uint64_t base = 0;
    uint32_t size = 0; // TRBs, 16..4096
    uint32_t reserved = 0;
};
static_assert(sizeof(ErstEntry) == 16);

inline constexpr uint32_t kTrbCycle = 1u << 0;
inline constexpr uint32_t kTrbToggle = 1u << 1; // Link TRB: toggle the cycle state
inline constexpr uint32_t trbType(uint32_t control)
{
    return (control >> 10) & 0x3f;
}
inline constexpr uint32_t trbTypeBits(uint32_t type)
{
    return type << 10;
}
inline constexpr uint32_t completionCode(uint32_t status)
{
    return status >> 24;
}

// TRB types (spec table 6-91) and completion codes (table 6-90).
inline constexpr uint32_t kTrbLink = 6;
inline constexpr uint32_t kTrbNoOpCommand = 23;
inline constexpr uint32_t kTrbCommandCompletion = 33;
inline constexpr uint32_t kCodeSuccess = 1;
inline constexpr uint32_t kCodeTrbError = 5;

} // namespace irqscope::core::xhci

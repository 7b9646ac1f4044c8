// The parts of the NVM Express base specification (revision 1.4/2.0) irqscope's NVMe command trigger uses, shared
// by the driver (core/device/nvme_*) and the simulated controller (core/sim/sim_nvme): controller registers,
// queue entry layouts, opcodes and status codes. What each is used for: docs/dma-triggers.md §3.
#pragma once

#include <cstdint>

namespace irqscope::core::nvme {

inline constexpr uint32_t kPciClass = 0x010802; // mass storage, non-volatile memory, NVM Express

// Controller registers (BAR0), spec §3.1.
inline constexpr uint64_t kCap = 0x00;   // 64-bit: MQES 15:0, CQR 16, TO 31:24 (500 ms units), DSTRD 35:32, CSS 44:37
inline constexpr uint64_t kVs = 0x08;    // version
inline constexpr uint64_t kIntms = 0x0c; // interrupt mask set (pin-based and MSI only)
inline constexpr uint64_t kIntmc = 0x10; // interrupt mask clear
inline constexpr uint64_t kCc = 0x14;    // controller configuration
inline constexpr uint64_t kCsts = 0x1c;  // controller status
inline constexpr uint64_t kAqa = 0x24;   // admin queue attributes: ACQS 27:16, ASQS 11:0 (sizes - 1)
inline constexpr uint64_t kAsq = 0x28;   // 64-bit admin submission queue base
inline constexpr uint64_t kAcq = 0x30;   // 64-bit admin completion queue base
inline constexpr uint64_t kDoorbells = 0x1000;

inline constexpr uint32_t capMqes(uint64_t cap)
{
    return static_cast<uint32_t>(cap & 0xffff);
}
inline constexpr uint32_t capTimeout500ms(uint64_t cap)
{
    return static_cast<uint32_t>((cap >> 24) & 0xff);
}
inline constexpr uint32_t capDoorbellStride(uint64_t cap)
{
    return 4u << ((cap >> 32) & 0xf);
}
inline constexpr bool capNvmCommandSet(uint64_t cap)
{
    return (cap >> 37) & 1;
}
inline constexpr uint32_t capMpsMin(uint64_t cap)
{
    return static_cast<uint32_t>((cap >> 48) & 0xf);
}

// SQ y tail doorbell and CQ y head doorbell (spec §3.1.24, .25).
inline constexpr uint64_t sqTailDoorbell(uint32_t qid, uint32_t stride)
{
    return kDoorbells + (2 * qid) * stride;
}
inline constexpr uint64_t cqHeadDoorbell(uint32_t qid, uint32_t stride)
{
    return kDoorbells + (2 * qid + 1) * stride;
}

inline constexpr uint32_t kCcEnable = 1u << 0;
inline constexpr uint32_t kCcIosqes64 = 6u << 16; // I/O SQ entry 2^6 = 64 bytes
inline constexpr uint32_t kCcIocqes16 = 4u << 20; // I/O CQ entry 2^4 = 16 bytes
inline constexpr uint32_t kCstsReady = 1u << 0;
inline constexpr uint32_t kCstsFatal = 1u << 1; // CFS

// Admin opcodes (spec §5).
inline constexpr uint8_t kAdminDeleteSq = 0x00;
inline constexpr uint8_t kAdminCreateSq = 0x01;
inline constexpr uint8_t kAdminDeleteCq = 0x04;
inline constexpr uint8_t kAdminCreateCq = 0x05;
inline constexpr uint8_t kAdminIdentify = 0x06;
inline constexpr uint32_t kIdentifyController = 1;   // CNS
inline constexpr uint32_t kIdentifyOncsOffset = 520; // Optional NVM Command Support, 16 bits
inline constexpr uint32_t kOncsVerify = 1u << 7;
inline constexpr uint32_t kIdentifyNnOffset = 516; // number of namespaces, 32 bits

// NVM command set I/O opcodes (NVM command set specification).
inline constexpr uint8_t kIoRead = 0x02;
inline constexpr uint8_t kIoVerify = 0x0c; // reads and checks the blocks inside the controller; transfers nothing

// Status (the completion's DW3 bits 31:17: SC 7:0, SCT 10:8 of the status field).
inline constexpr uint16_t kStatusInvalidOpcode = 0x01;
inline constexpr uint16_t kStatusInvalidField = 0x02;
inline constexpr uint16_t kStatusInvalidQid = 0x101;    // SCT 1, SC 0x01
inline constexpr uint16_t kStatusInvalidVector = 0x108; // SCT 1, SC 0x08

inline constexpr uint32_t kPageSize = 4096; // CC.MPS = 0
inline constexpr uint32_t kSqEntryBytes = 64;
inline constexpr uint32_t kCqEntryBytes = 16;

// A submission queue entry (spec §4.2), 64 bytes.
struct SubmissionEntry
{
    uint8_t opcode = 0;
    uint8_t flags = 0;
    uint16_t cid = 0;
    uint32_t nsid = 0;
    uint32_t cdw2 = 0, cdw3 = 0;
    uint64_t mptr = 0;
    uint64_t prp1 = 0, prp2 = 0;
    uint32_t cdw10 = 0, cdw11 = 0, cdw12 = 0, cdw13 = 0, cdw14 = 0, cdw15 = 0;
};
static_assert(sizeof(SubmissionEntry) == kSqEntryBytes);

// A completion queue entry (spec §4.6), 16 bytes. DW3: CID 15:0, phase 16, status 31:17.
struct CompletionEntry
{
    uint32_t result = 0;
    uint32_t reserved = 0;
    uint16_t sqHead = 0;
    uint16_t sqId = 0;
    uint32_t dw3 = 0;

    uint16_t cid() const { return static_cast<uint16_t>(dw3 & 0xffff); }
    bool phase() const { return (dw3 >> 16) & 1; }
    uint16_t status() const { return static_cast<uint16_t>(dw3 >> 17); }
};
static_assert(sizeof(CompletionEntry) == kCqEntryBytes);

} // namespace irqscope::core::nvme

// The irqscope recording file format (docs/recording-format.md): a 16-byte header, then length-prefixed
// sections; sample sections hold fixed 48-byte little-endian records (40 bytes in version 1, which is still read).
// Constants and the byte codecs.
#pragma once

#include "engine/sample.h"

#include <array>
#include <cstddef>
#include <cstdint>

namespace irqscope::core {

inline constexpr std::array<char, 8> kRecordingMagic = {'I', 'R', 'Q', 'S', 'R', 'E', 'C', '\0'};
// Version 2 added sample kind 4 (the instrument floor) and the delivery stamp (flags byte, visible time) to each
// 48-byte sample record. Version 1 files (40-byte records, no floor samples) are read as before.
inline constexpr uint16_t kRecordingVersion = 2;
inline constexpr uint16_t kOldestRecordingVersion = 1;
inline constexpr std::size_t kRecordingHeaderSize = 16;
inline constexpr std::size_t kSectionHeaderSize = 16;
inline constexpr std::size_t kSampleRecordSize = 48;
inline constexpr std::size_t kSampleRecordSizeV1 = 40;

inline constexpr std::size_t sampleRecordSize(uint16_t version)
{
    return version >= 2 ? kSampleRecordSize : kSampleRecordSizeV1;
}
inline constexpr uint64_t kMaxTextSection = 64ull << 20; // META, FINAL and /proc/interrupts texts

enum class SectionType : uint32_t
{
    Meta = 1,             // JSON: run, system, tuning, device, slot layout, time origin
    InterruptsBefore = 2, // text: /proc/interrupts before arming
    Samples = 3,          // N * 48-byte sample records (40 in version 1; may repeat)
    InterruptsAfter = 4,  // text: /proc/interrupts after disarming
    Final = 5,            // JSON: the final snapshot (exact counters, engine status)
    End = 0x454e4421,     // empty; must be the last section
};

inline void putLe(uint8_t* out, uint64_t value, std::size_t bytes)
{
    for (std::size_t i = 0; i < bytes; ++i)
        out[i] = static_cast<uint8_t>(value >> (8 * i));
}

inline uint64_t getLe(const uint8_t* in, std::size_t bytes)
{
    uint64_t v = 0;
    for (std::size_t i = 0; i < bytes; ++i)
        v |= static_cast<uint64_t>(in[i]) << (8 * i);
    return v;
}

inline void encodeSample(const Sample& s, uint8_t* out)
{
    putLe(out, s.slot, 4);
    out[4] = static_cast<uint8_t>(s.kind);
    out[5] = s.flags;
    putLe(out + 6, 0, 2);
    putLe(out + 8, s.value, 8);
    putLe(out + 16, static_cast<uint64_t>(s.triggerNs), 8);
    putLe(out + 24, static_cast<uint64_t>(s.completionNs), 8);
    putLe(out + 32, s.seq, 8);
    putLe(out + 40, static_cast<uint64_t>(s.visibleNs), 8);
}

// `version`: the file's; a version 1 record has no delivery stamp.
inline Sample decodeSample(const uint8_t* in, uint16_t version = kRecordingVersion)
{
    Sample s;
    s.slot = static_cast<uint32_t>(getLe(in, 4));
    s.kind = static_cast<SampleKind>(in[4]);
    s.value = getLe(in + 8, 8);
    s.triggerNs = static_cast<int64_t>(getLe(in + 16, 8));
    s.completionNs = static_cast<int64_t>(getLe(in + 24, 8));
    s.seq = getLe(in + 32, 8);
    if (version >= 2) {
        s.flags = in[5];
        s.visibleNs = static_cast<int64_t>(getLe(in + 40, 8));
    }
    return s;
}

} // namespace irqscope::core

// RecordingReader: bounds-checked section walk, META/FINAL decoding and sample validation.
#include "record/recording_reader.h"

#include "base/vector_id.h"
#include "record/recording_format.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <memory>
#include <sys/stat.h>

namespace irqscope::core {

namespace {

struct FileCloser
{
    void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

bool readAt(std::FILE* f, uint64_t offset, void* out, std::size_t size)
{
    if (fseeko(f, static_cast<off_t>(offset), SEEK_SET) != 0)
        return false;
    return std::fread(out, 1, size, f) == size;
}

} // namespace

std::string RecordingReader::open(const std::string& path)
{
    m_recording = Recording{};
    m_recording.path = path;
    const auto bad = [&path](const std::string& why) {
        return fmt::format("{}: not a valid recording: {}", path, why);
    };
    File file(std::fopen(path.c_str(), "rb"));
    if (!file)
        return fmt::format("cannot read {}: {}", path, std::strerror(errno));
    struct stat st
    {};
    if (fstat(fileno(file.get()), &st) != 0 || !S_ISREG(st.st_mode))
        return fmt::format("cannot read {}: not a regular file", path);
    const uint64_t size = static_cast<uint64_t>(st.st_size);

    uint8_t header[kRecordingHeaderSize];
    if (size < kRecordingHeaderSize || !readAt(file.get(), 0, header, sizeof header))
        return bad("shorter than its 16-byte header");
    if (std::memcmp(header, kRecordingMagic.data(), kRecordingMagic.size()) != 0)
        return bad("wrong magic (expected \"IRQSREC\")");
    m_recording.version = static_cast<uint16_t>(getLe(header + 8, 2));
    if (m_recording.version < kOldestRecordingVersion || m_recording.version > kRecordingVersion)
        return bad(fmt::format("version {} (this irqscope reads versions {} to {})", m_recording.version,
                               kOldestRecordingVersion, kRecordingVersion));
    const std::size_t recordSize = sampleRecordSize(m_recording.version);
    const uint64_t headerSize = getLe(header + 10, 2);
    if (headerSize < kRecordingHeaderSize || headerSize > size)
        return bad(fmt::format("header size {} out of range", headerSize));

    std::string metaText, finalText;
    bool haveMeta = false, haveFinal = false, haveEnd = false;
    uint64_t offset = headerSize;
    while (offset < size) {
        if (haveEnd)
            return bad(fmt::format("data after the END section at offset {}", offset));
        uint8_t sh[kSectionHeaderSize];
        if (size - offset < kSectionHeaderSize || !readAt(file.get(), offset, sh, sizeof sh))
            return bad(fmt::format("truncated section header at offset {}", offset));
        const uint32_t type = static_cast<uint32_t>(getLe(sh, 4));
        const uint64_t length = getLe(sh + 8, 8);
        const uint64_t body = offset + kSectionHeaderSize;
        if (length > size - body)
            return bad(
                fmt::format("section at offset {} claims {} bytes, the file has {} left", offset, length, size - body));
        const auto readText = [&](std::string& out, const char* name) -> std::string {
            if (length > kMaxTextSection)
                return bad(fmt::format("{} section of {} bytes is over the {} MiB limit", name, length,
                                       kMaxTextSection >> 20));
            out.resize(length);
            if (length > 0 && !readAt(file.get(), body, out.data(), length))
                return bad(fmt::format("cannot read the {} section", name));
            return {};
        };
        std::string err;
        switch (static_cast<SectionType>(type)) {
        case SectionType::Meta:
            if (haveMeta)
                return bad("two META sections");
            haveMeta = true;
            err = readText(metaText, "META");
            break;
        case SectionType::Final:
            if (haveFinal)
                return bad("two FINAL sections");
            haveFinal = true;
            err = readText(finalText, "FINAL");
            break;
        case SectionType::InterruptsBefore:
            err = readText(m_recording.interruptsBefore, "interrupts-before");
            break;
        case SectionType::InterruptsAfter:
            err = readText(m_recording.interruptsAfter, "interrupts-after");
            break;
        case SectionType::Samples:
            if (length % recordSize != 0)
                return bad(fmt::format("sample section at offset {} is {} bytes, not a multiple of {}", offset, length,
                                       recordSize));
            m_recording.sampleSections.emplace_back(body, length / recordSize);
            m_recording.sampleCount += length / recordSize;
            break;
        case SectionType::End:
            if (length != 0)
                return bad("END section is not empty");
            haveEnd = true;
            break;
        default:
            break; // unknown sections are skipped: later versions may add some
        }
        if (!err.empty())
            return err;
        offset = body + length;
    }
    if (!haveEnd)
        return bad("truncated (no END section)");
    if (!haveMeta || !haveFinal)
        return bad(haveMeta ? "no FINAL section" : "no META section");
    try {
        m_recording.meta = metaFromJson(nlohmann::json::parse(metaText));
    } catch (const std::exception& e) {
        return bad(fmt::format("META: {}", e.what()));
    }
    try {
        m_recording.final = snapshotFromJson(nlohmann::json::parse(finalText));
    } catch (const std::exception& e) {
        return bad(fmt::format("FINAL: {}", e.what()));
    }
    const VectorSlots slots(m_recording.meta.slotCounts);
    for (const auto& v : m_recording.final.vectors) {
        if (v.slot >= slots.size() || !(slots.id(v.slot) == v.id))
            return bad(fmt::format("FINAL vector {} does not match the device's slot layout", v.name));
    }
    return {};
}

std::string RecordingReader::forEachSample(const Chunk& chunk) const
{
    const auto& rec = m_recording;
    File file(std::fopen(rec.path.c_str(), "rb"));
    if (!file)
        return fmt::format("cannot read {}: {}", rec.path, std::strerror(errno));
    const uint32_t slots = slotTotal(rec.meta);
    constexpr std::size_t kChunk = 4096;
    const std::size_t recordSize = sampleRecordSize(rec.version);
    std::vector<uint8_t> bytes(kChunk * recordSize);
    std::vector<Sample> samples(kChunk);
    uint64_t index = 0;
    for (const auto& [offset, count] : rec.sampleSections) {
        uint64_t done = 0;
        while (done < count) {
            const std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(kChunk, count - done));
            if (!readAt(file.get(), offset + done * recordSize, bytes.data(), n * recordSize))
                return fmt::format("{}: not a valid recording: cannot read sample {}", rec.path, index);
            for (std::size_t i = 0; i < n; ++i, ++index) {
                const Sample s = decodeSample(bytes.data() + i * recordSize, rec.version);
                const auto kind = static_cast<uint8_t>(s.kind);
                // Version 1 had no floor samples (kind 4).
                const auto lastKind = rec.version < 2 ? SampleKind::Event : SampleKind::Floor;
                if (kind > static_cast<uint8_t>(lastKind))
                    return fmt::format("{}: not a valid recording: sample {} has kind {}", rec.path, index, kind);
                // A floor sample is not a vector's: its slot is 0 and is not checked against the layout.
                if (s.kind != SampleKind::Floor && s.slot >= slots)
                    return fmt::format("{}: not a valid recording: sample {} names slot {}, the device has {}",
                                       rec.path, index, s.slot, slots);
                // CLOCK_MONOTONIC times are never negative; a negative one would overflow latencyNs().
                if (s.triggerNs < 0 || s.completionNs < 0 || s.visibleNs < 0)
                    return fmt::format("{}: not a valid recording: sample {} has a negative time", rec.path, index);
                if (s.kind == SampleKind::Event && s.value > static_cast<uint64_t>(EventCode::StuckMask))
                    return fmt::format("{}: not a valid recording: sample {} has event code {}", rec.path, index,
                                       s.value);
                samples[i] = s;
            }
            chunk(samples.data(), n);
            done += n;
        }
    }
    return {};
}

} // namespace irqscope::core

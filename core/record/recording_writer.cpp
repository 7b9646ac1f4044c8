// RecordingWriter: section framing and little-endian sample encoding onto a buffered FILE.
#include "record/recording_writer.h"

#include "base/file_text.h"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace irqscope::core {

RecordingWriter::~RecordingWriter()
{
    // Never finished (the run failed before it could end cleanly): leave no file that only looks like a recording.
    if (m_file) {
        std::fclose(m_file);
        std::remove(m_path.c_str());
    }
}

std::string RecordingWriter::open(const std::string& path)
{
    m_path = path;
    m_file = std::fopen(path.c_str(), "wb");
    if (!m_file)
        return fmt::format("cannot write {}: {}", path, std::strerror(errno));
    uint8_t header[kRecordingHeaderSize] = {};
    std::memcpy(header, kRecordingMagic.data(), kRecordingMagic.size());
    putLe(header + 8, kRecordingVersion, 2);
    putLe(header + 10, kRecordingHeaderSize, 2);
    putLe(header + 12, 0, 4); // flags
    if (std::fwrite(header, 1, sizeof header, m_file) != sizeof header)
        fail("header");
    return m_error;
}

void RecordingWriter::fail(const char* what)
{
    if (m_error.empty())
        m_error = fmt::format("cannot write {} ({}): {}", m_path, what, std::strerror(errno));
}

void RecordingWriter::writeSection(SectionType type, const void* data, std::size_t size)
{
    if (!m_file || !m_error.empty())
        return;
    uint8_t header[kSectionHeaderSize];
    putLe(header, static_cast<uint32_t>(type), 4);
    putLe(header + 4, 0, 4);
    putLe(header + 8, size, 8);
    if (std::fwrite(header, 1, sizeof header, m_file) != sizeof header ||
        (size > 0 && std::fwrite(data, 1, size, m_file) != size))
        fail("section");
}

void RecordingWriter::writeText(SectionType type, const std::string& text)
{
    writeSection(type, text.data(), text.size());
}

void RecordingWriter::writeSamples(const Sample* samples, std::size_t count)
{
    if (count == 0)
        return;
    m_buffer.resize(count * kSampleRecordSize);
    for (std::size_t i = 0; i < count; ++i)
        encodeSample(samples[i], m_buffer.data() + i * kSampleRecordSize);
    writeSection(SectionType::Samples, m_buffer.data(), m_buffer.size());
    m_samples += count;
}

std::string RecordingWriter::finish()
{
    if (!m_file)
        return m_error.empty() ? fmt::format("cannot write {}: not open", m_path) : m_error;
    writeSection(SectionType::End, nullptr, 0);
    if (std::fflush(m_file) != 0)
        fail("flush");
    if (std::fclose(m_file) != 0)
        fail("close");
    m_file = nullptr;
    return m_error;
}

std::string readTextFile(const std::string& path)
{
    return readWholeFile(path).value_or("");
}

} // namespace irqscope::core

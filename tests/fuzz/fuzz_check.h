// FUZZ_CHECK: an invariant of a fuzz target. A failure prints what broke and aborts, which libFuzzer reports as a
// crash and saves the input (so it can be replayed and added to the corpus).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#define FUZZ_CHECK(cond, ...)                                                                                          \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            std::fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__, __LINE__, #cond);                          \
            std::fprintf(stderr, __VA_ARGS__);                                                                         \
            std::fputc('\n', stderr);                                                                                  \
            std::abort();                                                                                              \
        }                                                                                                              \
    } while (0)

namespace irqscope::fuzz {

// Reads the fuzz input front to back; past the end every read returns 0.
class ByteReader
{
public:
    ByteReader(const unsigned char* data, std::size_t size)
        : m_data(data)
        , m_size(size)
    {}
    bool empty() const { return m_pos >= m_size; }
    std::size_t left() const { return m_pos < m_size ? m_size - m_pos : 0; }
    unsigned char byte() { return m_pos < m_size ? m_data[m_pos++] : 0; }
    template<typename T>
    T get()
    {
        T v{};
        for (std::size_t i = 0; i < sizeof(T); ++i)
            v = static_cast<T>(static_cast<unsigned long long>(v) |
                               (static_cast<unsigned long long>(byte()) << (8 * i)));
        return v;
    }

private:
    const unsigned char* m_data;
    std::size_t m_size;
    std::size_t m_pos = 0;
};

// True when `text` is one non-empty line (the project's rule for every error message).
inline bool oneLine(const std::string& text)
{
    return !text.empty() && text.find('\n') == std::string::npos;
}

} // namespace irqscope::fuzz

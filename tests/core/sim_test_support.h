// What the SimDevice and kernel-model tests share: the VFIO index numbers, a non-blocking eventfd to hand to
// SET_IRQS and read back, and the process's open descriptor count (to show no eventfd leaks).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <dirent.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace irqscope::test {

// VFIO_PCI_{INTX,MSI,MSIX,ERR,REQ}_IRQ_INDEX.
inline constexpr uint32_t kIntx = 0, kMsi = 1, kMsix = 2, kErr = 3, kReq = 4;

class Efd
{
public:
    // Long enough that only a broken build reaches it (wait() returns as soon as the eventfd is signalled).
    static constexpr std::chrono::milliseconds kWait{60'000};

    Efd()
        : m_fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
    {}
    ~Efd() { close(m_fd); }
    Efd(const Efd&) = delete;
    Efd& operator=(const Efd&) = delete;
    int fd() const { return m_fd; }
    // Reads the counter now: 0 if not signalled (reading resets it).
    uint64_t take() const
    {
        uint64_t v = 0;
        return read(m_fd, &v, sizeof v) == sizeof v ? v : 0;
    }
    bool signalled() const { return take() != 0; }
    // Waits (bounded) for a signal and reads the counter.
    uint64_t wait(std::chrono::milliseconds timeout = kWait) const
    {
        pollfd p{m_fd, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(timeout.count())) != 1)
            return 0;
        return take();
    }
    void write1() const
    {
        const uint64_t one = 1;
        ASSERT_EQ(::write(m_fd, &one, sizeof one), static_cast<ssize_t>(sizeof one));
    }

private:
    int m_fd;
};

inline int openFds()
{
    int n = 0;
    if (DIR* dir = opendir("/proc/self/fd")) {
        while (readdir(dir))
            ++n;
        closedir(dir);
    }
    return n;
}

} // namespace irqscope::test

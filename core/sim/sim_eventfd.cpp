// Eventfd references of the simulated kernel: check, duplicate, release, signal and drain.
#include "sim/sim_eventfd.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace irqscope::core::simfd {

namespace {
constexpr char kEventfdLink[] = "anon_inode:[eventfd]";
} // namespace

int check(int fd)
{
    if (fd < 0 || fcntl(fd, F_GETFD) < 0)
        return -EBADF;
    char path[40];
    char target[sizeof kEventfdLink + 1] = {};
    std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    const ssize_t n = readlink(path, target, sizeof target - 1);
    if (n != static_cast<ssize_t>(sizeof kEventfdLink - 1) || std::memcmp(target, kEventfdLink, n) != 0)
        return -EINVAL;
    return 0;
}

int take(int fd)
{
    const int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    return dup < 0 ? -errno : dup;
}

void release(int& fd)
{
    if (fd >= 0)
        close(fd);
    fd = -1;
}

bool signal(int fd)
{
    if (fd < 0)
        return false;
    const uint64_t one = 1;
    return write(fd, &one, sizeof one) == static_cast<ssize_t>(sizeof one);
}

unsigned long long drain(int fd)
{
    // Poll first: the descriptor may be shared with a user who opened the eventfd blocking.
    pollfd p{fd, POLLIN, 0};
    if (fd < 0 || poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
        return 0;
    uint64_t value = 0;
    return read(fd, &value, sizeof value) == static_cast<ssize_t>(sizeof value) ? value : 0;
}

} // namespace irqscope::core::simfd

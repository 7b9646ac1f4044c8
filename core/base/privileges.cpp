#include "base/privileges.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace irqscope::core {

namespace {

bool readCapabilities(__user_cap_header_struct& header, __user_cap_data_struct (&data)[2])
{
    header.version = _LINUX_CAPABILITY_VERSION_3;
    header.pid = 0; // the calling thread
    return syscall(SYS_capget, &header, data) == 0;
}

} // namespace

std::optional<std::string> dropCapabilities(uint64_t keep)
{
    // The bounding set first: dropping from it needs CAP_SETPCAP, which the capset below removes. Without
    // CAP_SETPCAP (not root) the bounding set cannot hold anything the process could regain anyway.
    for (int cap = 0; cap < 64; ++cap) {
        if (keep & capabilityBit(cap))
            continue;
        const int present = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
        if (present < 0)
            break; // past CAP_LAST_CAP
        if (present == 1)
            (void)prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    }
    (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);

    __user_cap_header_struct header{};
    __user_cap_data_struct data[2]{};
    if (!readCapabilities(header, data))
        return fmt::format("cannot read capabilities: {}", std::strerror(errno));
    for (int i = 0; i < 2; ++i) {
        const auto k = static_cast<uint32_t>(keep >> (32 * i));
        data[i].effective &= k;
        data[i].permitted &= k;
        data[i].inheritable &= k;
    }
    if (syscall(SYS_capset, &header, data) != 0)
        return fmt::format("cannot drop capabilities: {}", std::strerror(errno));
    return std::nullopt;
}

uint64_t effectiveCapabilities()
{
    __user_cap_header_struct header{};
    __user_cap_data_struct data[2]{};
    if (!readCapabilities(header, data))
        return 0;
    return uint64_t(data[0].effective) | (uint64_t(data[1].effective) << 32);
}

} // namespace irqscope::core

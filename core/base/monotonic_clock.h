// monotonicNs(): CLOCK_MONOTONIC in nanoseconds, the one clock every timestamp in irqscope uses (vDSO: no
// syscall on the hot path).
#pragma once

#include <cstdint>
#include <ctime>

namespace irqscope::core {

inline int64_t monotonicNs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline int64_t realtimeNs()
{
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

} // namespace irqscope::core

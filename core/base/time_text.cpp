#include "base/time_text.h"

namespace irqscope::core {

std::tm utcCalendar(int64_t wallNs)
{
    const std::time_t t = static_cast<std::time_t>(wallNs / 1'000'000'000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    return tm;
}

std::string isoUtcSeconds(int64_t wallNs)
{
    const std::tm tm = utcCalendar(wallNs);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

} // namespace irqscope::core

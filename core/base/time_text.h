// Wall-clock times as text for reports: one ISO-8601 form everywhere a time is written.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>

namespace irqscope::core {

// Nanoseconds since the Unix epoch as a UTC calendar time, to the second (the fraction is dropped).
std::tm utcCalendar(int64_t wallNs);

// Nanoseconds since the Unix epoch as ISO-8601 UTC to the second: "2024-05-01T12:34:56Z" (the fraction is dropped).
std::string isoUtcSeconds(int64_t wallNs);

} // namespace irqscope::core

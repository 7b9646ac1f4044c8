// isoUtcSeconds: the one ISO-8601 form of the reports (JSON generated_at, run started_at/ended_at, PDF dates).
#include "base/time_text.h"

#include <gtest/gtest.h>

using namespace irqscope::core;

TEST(TimeText, IsoUtcToTheSecond)
{
    EXPECT_EQ(isoUtcSeconds(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(isoUtcSeconds(1'700'000'000'000'000'000), "2023-11-14T22:13:20Z");
    // The fraction of a second is dropped, not rounded.
    EXPECT_EQ(isoUtcSeconds(1'700'000'000'999'999'999), "2023-11-14T22:13:20Z");
    EXPECT_EQ(isoUtcSeconds(951'782'400'000'000'000), "2000-02-29T00:00:00Z");
}

TEST(TimeText, UtcCalendarFields)
{
    const std::tm tm = utcCalendar(951'825'296'500'000'000); // 2000-02-29T11:54:56.5Z, a Tuesday
    EXPECT_EQ(tm.tm_year + 1900, 2000);
    EXPECT_EQ(tm.tm_mon, 1);
    EXPECT_EQ(tm.tm_mday, 29);
    EXPECT_EQ(tm.tm_wday, 2);
    EXPECT_EQ(tm.tm_hour, 11);
    EXPECT_EQ(tm.tm_min, 54);
    EXPECT_EQ(tm.tm_sec, 56);
}

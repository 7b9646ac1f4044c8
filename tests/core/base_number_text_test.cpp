// parseInteger and parseUnsigned: the whole string in decimal, nothing around it, within the type's range.
#include "base/number_text.h"

#include <gtest/gtest.h>

#include <cstdint>

using namespace irqscope::core;

TEST(NumberText, UnsignedAcceptsDigitsOnly)
{
    EXPECT_EQ(parseUnsigned("0"), 0u);
    EXPECT_EQ(parseUnsigned("42"), 42u);
    EXPECT_EQ(parseUnsigned("007"), 7u);
    EXPECT_EQ(parseUnsigned("18446744073709551615"), UINT64_MAX);
    for (const char* bad : {"", " 1", "1 ", "+1", "-1", "0x10", "1.5", "12abc", "abc", "18446744073709551616"})
        EXPECT_EQ(parseUnsigned(bad), std::nullopt) << '"' << bad << '"';
}

TEST(NumberText, RangeIsTheTypes)
{
    EXPECT_EQ(parseInteger<uint32_t>("4294967295"), UINT32_MAX);
    EXPECT_EQ(parseInteger<uint32_t>("4294967296"), std::nullopt);
    EXPECT_EQ(parseInteger<int>("2147483647"), INT32_MAX);
    EXPECT_EQ(parseInteger<int>("2147483648"), std::nullopt);
}

TEST(NumberText, SignedTakesALeadingMinus)
{
    EXPECT_EQ(parseInteger<long>("-1"), -1);
    EXPECT_EQ(parseInteger<int64_t>("-9223372036854775808"), INT64_MIN);
    EXPECT_EQ(parseInteger<int>("-"), std::nullopt);
    EXPECT_EQ(parseInteger<int>("+5"), std::nullopt);
    EXPECT_EQ(parseInteger<int>("--5"), std::nullopt);
}

TEST(NumberText, PartOfALongerTextIsParsedThroughItsView)
{
    const std::string_view line = "irq=24 name=vfio";
    EXPECT_EQ(parseInteger<int>(line.substr(4, 2)), 24);
    EXPECT_EQ(parseInteger<int>(line.substr(4)), std::nullopt);
}

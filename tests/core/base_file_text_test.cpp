// readFirstLine, readWholeFile and readInteger on files the test writes, and on a path that does not exist.
#include "base/file_text.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace irqscope::core;

namespace {

class FileText : public ::testing::Test
{
protected:
    void TearDown() override
    {
        for (const auto& path : m_paths)
            std::filesystem::remove(path);
    }

    std::string write(const std::string& name, const std::string& content)
    {
        const auto path =
            (std::filesystem::temp_directory_path() / ("irqscope-file-text-" + std::to_string(getpid()) + "-" + name))
                .string();
        std::ofstream(path, std::ios::binary) << content;
        m_paths.push_back(path);
        return path;
    }

    std::vector<std::string> m_paths;
};

const std::string kMissing = "/nonexistent/irqscope/file";

} // namespace

TEST_F(FileText, FirstLineDropsTheNewlineAndTheRest)
{
    EXPECT_EQ(readFirstLine(write("lines", "performance\nsecond\n")), "performance");
    EXPECT_EQ(readFirstLine(write("no-newline", "tsc")), "tsc");
    EXPECT_EQ(readFirstLine(write("empty", "")), "");
    EXPECT_EQ(readFirstLine(write("blank-first", "\nafter")), "");
}

TEST_F(FileText, FirstLineOfAMissingFileIsNullopt)
{
    EXPECT_EQ(readFirstLine(kMissing), std::nullopt);
}

TEST_F(FileText, WholeFileIsByteForByte)
{
    const char raw[] = "count 12\nunhandled 3\n\0binary\xff";
    const std::string content(raw, sizeof raw - 1);
    EXPECT_EQ(readWholeFile(write("whole", content)), content);
    EXPECT_EQ(readWholeFile(write("whole-empty", "")), "");
    EXPECT_EQ(readWholeFile(kMissing), std::nullopt);
}

TEST_F(FileText, IntegerIsTheWholeFirstLine)
{
    EXPECT_EQ(readInteger<long>(write("rt-runtime", "950000\n")), 950000);
    EXPECT_EQ(readInteger<long>(write("rt-off", "-1\n")), -1);
    EXPECT_EQ(readInteger<int>(write("two-lines", "2\n7\n")), 2);
    EXPECT_EQ(readInteger<int>(write("word", "n/a\n")), std::nullopt);
    EXPECT_EQ(readInteger<int>(write("trailing", "1 \n")), std::nullopt);
    EXPECT_EQ(readInteger<int>(write("int-empty", "")), std::nullopt);
    EXPECT_EQ(readInteger<int>(kMissing), std::nullopt);
}

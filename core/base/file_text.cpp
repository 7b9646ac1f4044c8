#include "base/file_text.h"

#include <fstream>
#include <sstream>

namespace irqscope::core {

std::optional<std::string> readFirstLine(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        return std::nullopt;
    std::string line;
    std::getline(in, line);
    return line;
}

std::optional<std::string> readWholeFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return std::move(buffer).str();
}

} // namespace irqscope::core

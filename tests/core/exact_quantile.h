// The exact q-quantile of a sample (nearest rank, 1-based: rank = ceil(q * n)): what the histogram tests compare
// the log-linear histogram's estimates against.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace irqscope::test {

inline int64_t exactQuantile(std::vector<int64_t> values, double q)
{
    std::sort(values.begin(), values.end());
    const auto n = static_cast<double>(values.size());
    const auto rank = std::clamp<std::size_t>(static_cast<std::size_t>(std::ceil(q * n)), 1, values.size());
    return values[rank - 1];
}

} // namespace irqscope::test

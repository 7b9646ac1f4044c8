// Grouping selected slots into command ranges.
#include "session/vector_runs.h"

#include <algorithm>

namespace irqscope::ui {

std::vector<core::VectorRange> slotRuns(const core::VectorSlots& slots, std::vector<uint32_t> slotList)
{
    std::sort(slotList.begin(), slotList.end());
    slotList.erase(std::unique(slotList.begin(), slotList.end()), slotList.end());
    std::vector<core::VectorRange> runs;
    for (uint32_t slot : slotList) {
        if (slot >= slots.size())
            continue;
        const core::VectorId id = slots.id(slot);
        if (!runs.empty()) {
            core::VectorRange& last = runs.back();
            if (last.index == id.index && last.start + last.count == id.sub) {
                ++last.count;
                continue;
            }
        }
        runs.push_back({id.index, id.sub, 1});
    }
    return runs;
}

QString runsText(const std::vector<core::VectorRange>& runs)
{
    return runs.empty() ? QStringLiteral("(none)") : QString::fromStdString(core::formatVectorSpec(runs));
}

} // namespace irqscope::ui

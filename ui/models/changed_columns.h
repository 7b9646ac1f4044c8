// changedColumns: which table columns of a vector row look different after a snapshot, as one span, so the model
// can emit a dataChanged that leaves untouched columns out (a proxy sorted by one of them then re-sorts nothing).
#pragma once

#include "models/vector_table_model.h"

#include <algorithm>

namespace irqscope::ui {

struct ColumnSpan
{
    int first = VectorTableModel::ColumnCount; // empty: first > last
    int last = -1;

    bool empty() const { return first > last; }
    void add(int column)
    {
        first = std::min(first, column);
        last = std::max(last, column);
    }
    void add(const ColumnSpan& other)
    {
        if (!other.empty()) {
            add(other.first);
            add(other.last);
        }
    }
};

// The columns whose text, colour, tooltip or sort value differ between `before` and `after`.
ColumnSpan changedColumns(const VectorRow& before, const VectorRow& after);

} // namespace irqscope::ui

// Sorting by SortRole and the "active vectors only" filter of the vector table.
#include "models/vector_filter_proxy.h"

#include "models/vector_table_model.h"

namespace irqscope::ui {

VectorFilterProxy::VectorFilterProxy(QObject* parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(VectorTableModel::SortRole);
    setDynamicSortFilter(true);
}

void VectorFilterProxy::setActiveOnly(bool activeOnly)
{
    if (activeOnly == m_activeOnly)
        return;
    m_activeOnly = activeOnly;
    invalidateRowsFilter();
}

bool VectorFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    if (!m_activeOnly)
        return true;
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    return index.data(VectorTableModel::ActiveRole).toBool();
}

} // namespace irqscope::ui

// VectorFilterProxy: sorts the vector table by the numbers behind the text, and can hide the vectors that were
// never armed (a 2048-vector MSI-X table is mostly idle).
#pragma once

#include <QSortFilterProxyModel>

namespace irqscope::ui {

class VectorFilterProxy final : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit VectorFilterProxy(QObject* parent = nullptr);

    void setActiveOnly(bool activeOnly);
    bool activeOnly() const { return m_activeOnly; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    bool m_activeOnly = false;
};

} // namespace irqscope::ui

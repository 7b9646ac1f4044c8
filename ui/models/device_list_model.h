// DeviceListModel: the device picker's table (address, name, driver, IOMMU group, vectors per index, and the
// reason a device cannot be opened), over a list from listDevices().
#pragma once

#include "vfio/discovery.h"

#include <QAbstractTableModel>

#include <vector>

namespace irqscope::ui {

class DeviceListModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        AddressColumn,
        NameColumn,
        DriverColumn,
        GroupColumn,
        VectorsColumn,
        StatusColumn,
        ColumnCount
    };
    enum Role
    {
        OpenableRole = Qt::UserRole, // bool: no problem known
        AddressRole,                 // QString: "sim" or the PCI address
    };

    explicit DeviceListModel(QObject* parent = nullptr);

    void setDevices(std::vector<core::DiscoveredDevice> devices);
    const core::DiscoveredDevice& device(int row) const { return m_devices[static_cast<std::size_t>(row)]; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;

private:
    std::vector<core::DiscoveredDevice> m_devices;
};

// "MSI-X 64, MSI 8, INTx 1" from discovery's per-index counts.
QString vectorCountsText(const core::DiscoveredDevice& device);
// "ok", or the problem, with the owner when one holds the group.
QString deviceStatusText(const core::DiscoveredDevice& device);

} // namespace irqscope::ui

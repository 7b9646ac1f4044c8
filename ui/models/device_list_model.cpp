// The picker's device table: what discovery found, and why a device cannot be opened.
#include "models/device_list_model.h"

#include "format/display_text.h"

#include <QBrush>
#include <QColor>

namespace irqscope::ui {

QString vectorCountsText(const core::DiscoveredDevice& device)
{
    QStringList parts;
    for (core::IrqIndex index : {core::IrqIndex::Msix, core::IrqIndex::Msi, core::IrqIndex::Intx}) {
        const auto& irq = device.irqs[static_cast<uint32_t>(index)];
        if (irq.count)
            parts << indexLabel(index) + QStringLiteral(" ") + QString::number(irq.count);
    }
    return parts.isEmpty() ? QStringLiteral("none") : parts.join(QStringLiteral(", "));
}

QString deviceStatusText(const core::DiscoveredDevice& device)
{
    QString text;
    if (!device.owner.empty())
        text = QStringLiteral("owned by %1 (pid %2): observe only")
                   .arg(QString::fromStdString(device.owner), QString::number(device.ownerPid));
    if (!device.problem.empty())
        text += (text.isEmpty() ? QString() : QStringLiteral(": ")) + QString::fromStdString(device.problem);
    return text.isEmpty() ? QStringLiteral("ok") : text;
}

DeviceListModel::DeviceListModel(QObject* parent)
    : QAbstractTableModel(parent)
{}

void DeviceListModel::setDevices(std::vector<core::DiscoveredDevice> devices)
{
    beginResetModel();
    m_devices = std::move(devices);
    endResetModel();
}

int DeviceListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_devices.size());
}

int DeviceListModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

Qt::ItemFlags DeviceListModel::flags(const QModelIndex& index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemNeverHasChildren;
}

QVariant DeviceListModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const core::DiscoveredDevice& d = m_devices[static_cast<std::size_t>(index.row())];
    const bool openable = d.problem.empty() && d.owner.empty();
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case AddressColumn:
            return QString::fromStdString(d.bdf);
        case NameColumn:
            if (!d.name.empty())
                return QString::fromStdString(d.name);
            return d.vendor ? QStringLiteral("%1:%2")
                                  .arg(d.vendor, 4, 16, QLatin1Char('0'))
                                  .arg(d.device, 4, 16, QLatin1Char('0'))
                            : QString();
        case DriverColumn:
            return d.driver.empty() ? QStringLiteral("(none)") : QString::fromStdString(d.driver);
        case GroupColumn:
            if (d.iommuGroup < 0)
                return QStringLiteral("—");
            return QString(QString::number(d.iommuGroup) + (d.noIommu ? QStringLiteral(" (no-IOMMU)") : QString()));
        case VectorsColumn:
            return vectorCountsText(d);
        case StatusColumn:
            return deviceStatusText(d);
        default:
            return {};
        }
    case Qt::ToolTipRole:
        return openable ? QStringLiteral("Can be opened") : deviceStatusText(d);
    case Qt::ForegroundRole:
        if (index.column() == StatusColumn && !openable)
            return QBrush(QColor(0xd3, 0x2f, 0x2f));
        return {};
    case OpenableRole:
        return openable;
    case AddressRole:
        return QString::fromStdString(d.bdf);
    default:
        return {};
    }
}

QVariant DeviceListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case AddressColumn:
        return QStringLiteral("Device");
    case NameColumn:
        return QStringLiteral("Name");
    case DriverColumn:
        return QStringLiteral("Driver");
    case GroupColumn:
        return QStringLiteral("IOMMU group");
    case VectorsColumn:
        return QStringLiteral("Vectors");
    case StatusColumn:
        return QStringLiteral("Status");
    default:
        return {};
    }
}

} // namespace irqscope::ui

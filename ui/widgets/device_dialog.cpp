// The device picker dialog.
#include "widgets/device_dialog.h"

#include "models/device_list_model.h"
#include "session/device_catalog.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace irqscope::ui {

DeviceDialog::DeviceDialog(DeviceRoots roots, QWidget* parent)
    : QDialog(parent)
    , m_roots(std::move(roots))
    , m_model(new DeviceListModel(this))
    , m_view(new QTableView(this))
    , m_reason(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(QStringLiteral("Open device"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setAlternatingRowColors(true);
    m_reason->setWordWrap(true);
    auto* refreshButton = m_buttons->addButton(QStringLiteral("&Refresh"), QDialogButtonBox::ResetRole);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(
        new QLabel(QStringLiteral("Devices bound to vfio-pci, and the built-in simulated device:"), this));
    layout->addWidget(m_view);
    layout->addWidget(m_reason);
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(refreshButton, &QPushButton::clicked, this, &DeviceDialog::refresh);
    connect(m_view, &QTableView::doubleClicked, this, [this](const QModelIndex& index) {
        if (m_buttons->button(QDialogButtonBox::Open)->isEnabled() && index.isValid())
            accept();
    });
    resize(820, 320);
    refresh();
}

void DeviceDialog::refresh()
{
    m_model->setDevices(listDevices(m_roots));
    // setModel() made the selection model; it survives resets.
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &DeviceDialog::updateButtons,
            Qt::UniqueConnection);
    m_view->resizeColumnsToContents();
    m_view->selectRow(0);
    updateButtons();
}

QString DeviceDialog::selectedDevice() const
{
    const auto rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(DeviceListModel::AddressRole).toString();
}

bool DeviceDialog::selectDevice(const QString& address)
{
    for (int row = 0; row < m_model->rowCount(); ++row) {
        if (m_model->index(row, 0).data(DeviceListModel::AddressRole).toString() == address) {
            m_view->selectRow(row);
            return true;
        }
    }
    return false;
}

bool DeviceDialog::selectedIsOwned() const
{
    const auto rows = m_view->selectionModel()->selectedRows();
    return !rows.isEmpty() && !m_model->device(rows.first().row()).owner.empty();
}

QString DeviceDialog::reasonText() const
{
    return m_reason->text();
}

QString DeviceDialog::openButtonText() const
{
    return m_buttons->button(QDialogButtonBox::Open)->text();
}

void DeviceDialog::updateButtons()
{
    const auto rows = m_view->selectionModel()->selectedRows();
    const bool openable = !rows.isEmpty() && rows.first().data(DeviceListModel::OpenableRole).toBool();
    // A device another process holds can still be watched: the dashboard observes it from the host side
    // (/proc/interrupts) and disables every control that needs ownership.
    const bool owned = selectedIsOwned();
    QPushButton* open = m_buttons->button(QDialogButtonBox::Open);
    open->setEnabled(openable || owned);
    open->setText(owned ? QStringLiteral("&Observe") : QStringLiteral("&Open"));
    if (rows.isEmpty() || openable) {
        m_reason->clear();
    } else {
        const core::DiscoveredDevice& d = m_model->device(rows.first().row());
        const QString address = rows.first().data(DeviceListModel::AddressRole).toString();
        m_reason->setText(owned ? QStringLiteral("%1 is owned by %2 (pid %3): irqscope cannot arm or trigger its "
                                                 "vectors, but can observe their rates and CPUs from "
                                                 "/proc/interrupts. Press Observe.")
                                      .arg(address, QString::fromStdString(d.owner), QString::number(d.ownerPid))
                                : QStringLiteral("Cannot open %1: %2").arg(address, deviceStatusText(d)));
    }
}

} // namespace irqscope::ui

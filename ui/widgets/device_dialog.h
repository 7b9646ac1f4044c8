// DeviceDialog: the device picker. Lists sim and every device bound to vfio-pci (discovery), says for each why
// it cannot be opened (not bound, no IOMMU group, no permission, held by another process: then it offers
// observer mode), and returns the chosen address.
#pragma once

#include "session/device_catalog.h"

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QTableView;

namespace irqscope::ui {

class DeviceListModel;

class DeviceDialog final : public QDialog
{
    Q_OBJECT
public:
    explicit DeviceDialog(DeviceRoots roots, QWidget* parent = nullptr);

    // Re-runs discovery.
    void refresh();
    QString selectedDevice() const;
    // Selects the row of `address` ("sim" or a PCI address); false when it is not listed.
    bool selectDevice(const QString& address);
    // The picked device is held by another process: opening it means observing it.
    bool selectedIsOwned() const;
    QString reasonText() const;
    QString openButtonText() const;
    DeviceListModel* model() const { return m_model; }

private:
    void updateButtons();

    DeviceRoots m_roots;
    DeviceListModel* m_model;
    QTableView* m_view;
    QLabel* m_reason;
    QDialogButtonBox* m_buttons;
};

} // namespace irqscope::ui

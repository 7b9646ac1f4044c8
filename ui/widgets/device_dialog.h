// DeviceDialog: the device picker. Lists sim and every device bound to vfio-pci (discovery), says for each why
// it cannot be opened (not bound, no IOMMU group, no permission, held by another process), and returns the
// chosen address.
#pragma once

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
    explicit DeviceDialog(QWidget* parent = nullptr);

    // Re-runs discovery.
    void refresh();
    QString selectedDevice() const;
    DeviceListModel* model() const { return m_model; }

private:
    void updateButtons();

    DeviceListModel* m_model;
    QTableView* m_view;
    QLabel* m_reason;
    QDialogButtonBox* m_buttons;
};

} // namespace irqscope::ui

// VectorTableModel: one row per vector the device has (slot order), filled from the latest Snapshot. Rows are
// reset only when the device (its vector set) changes; a snapshot emits one dataChanged spanning only the rows
// and columns that changed, so a proxy sorted by a column that did not change has nothing to re-sort.
#pragma once

#include "base/vector_id.h"
#include "engine/vector_counters.h"
#include "stats/snapshot.h"

#include <QAbstractTableModel>

#include <optional>
#include <string>
#include <vector>

namespace irqscope::ui {

// Observer mode: what the observer read from /proc for the vector (core::ObservedVector, the columns' part).
struct ObservedRow
{
    bool present = false;   // the owner enabled it: it has a host IRQ now
    uint64_t hostCount = 0; // interrupts its host IRQ took since observing started
    double hostRateHz = 0;  // of those per second over the last sample interval
    // Posted (or likely posted) to a vCPU: the host cannot count it, so the rate shows "posted", never 0, and the
    // tooltip says why (docs/observer.md "Delivery").
    bool posted = false;
    std::string deliveryReason;
};

struct VectorRow
{
    uint32_t slot = 0;
    core::VectorId id;
    bool seen = false; // the snapshot listed it (armed now or active before)
    // Measured by irqscope's engine (all zero for an observed vector).
    core::CountersCopy counters;
    double rateHz = 0; // completions + unsolicited per second
    core::LatencySummary latency;
    // Interrupt delivery (docs/dma-triggers.md §6): set when the delivery poller watches the vector.
    bool deliveryTracked = false;
    core::LatencySummary delivery;
    uint64_t deliveryUnstamped = 0;
    std::string lastError;
    int hostIrq = -1;
    int hostCpu = -1;
    uint64_t hostCount = 0; // active mode: interrupts the host IRQ took since arming (meaningful when hostIrq >= 0)
    int64_t hostGap = 0;    // completions - hostCount: signals that did not come through the host IRQ
    std::optional<ObservedRow> observed; // set while observing (then the measured fields above stay 0)
    // The kernel thread running hostIrq's handler on a threading host (docs/rt-hosts.md §1).
    std::optional<core::IrqThreadInfo> irqThread;

    // What the State, Rate/s and Host count columns show: the measured values, or the observed ones for an
    // observed vector (armed while present: the owner armed it).
    uint32_t shownState() const { return observed ? (observed->present ? core::vstate::kArmed : 0u) : counters.state; }
    double shownRateHz() const { return observed ? observed->hostRateHz : rateHz; }
    uint64_t shownHostCount() const { return observed ? observed->hostCount : hostCount; }
};

class VectorTableModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        IndexColumn,
        SubindexColumn,
        HostIrqColumn,
        HostCpuColumn,
        StateColumn,
        TriggeredColumn,
        CompletedColumn,
        CoalescedColumn,
        MissedColumn,
        InFlightColumn,
        SpuriousColumn,
        ErrorsColumn,
        RateColumn,
        MinColumn,
        P50Column,
        P99Column,
        P999Column,
        MaxColumn,
        HostCountColumn, // appended, so saved header states of older versions keep their columns
        HostGapColumn,
        ShortfallColumn,   // requested triggers not fired: schedule behind + window full (docs/report-schema.md)
        IrqThreadColumn,   // the host IRQ's handler thread: policy, priority, CPU (docs/rt-hosts.md)
        DeliveryP50Column, // interrupt delivery, completion in memory -> eventfd (docs/dma-triggers.md §6)
        DeliveryP99Column,
        ColumnCount
    };
    enum Role
    {
        SortRole = Qt::UserRole, // numbers as numbers, vectors in slot order
        SlotRole,                // uint: the vector's slot
        ActiveRole,              // bool: armed, or seen activity
    };

    explicit VectorTableModel(QObject* parent = nullptr);

    // A new device: one row per slot, all disarmed. Resets the model.
    void setVectors(const core::VectorSlots& slots);
    // Copies the snapshot's vectors into their rows; emits dataChanged for changed rows only. Returns the number
    // of rows that changed.
    int applySnapshot(const core::Snapshot& snapshot);
    // Some vector has a host IRQ (a real device or an observed one; never the simulated device).
    bool hasHostData() const { return m_hasHostData; }
    // Some vector's host IRQ handler runs in a kernel thread (PREEMPT_RT, threadirqs).
    bool hasIrqThreads() const { return m_hasIrqThreads; }
    // Some vector's completions are watched by the delivery poller: the delivery columns have values.
    bool hasDeliveryData() const { return m_hasDeliveryData; }
    // The last snapshot came from the observer (nothing armed or fired by irqscope).
    bool observed() const { return m_observed; }

    // The tooltip of an empty (—) host IRQ or CPU cell: why there is no value ("not a host interrupt: simulated
    // device").
    void setHostNote(const QString& note);

    const VectorRow& vectorRow(int row) const { return m_rows[static_cast<std::size_t>(row)]; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVariant displayData(const VectorRow& row, int column) const;
    QVariant sortData(const VectorRow& row, int column) const;
    QString toolTip(const VectorRow& row, int column) const;

    std::vector<VectorRow> m_rows;
    QString m_hostNote;
    bool m_observed = false; // the last snapshot came from the observer
    bool m_hasHostData = false;
    bool m_hasIrqThreads = false;
    bool m_hasDeliveryData = false;
};

} // namespace irqscope::ui

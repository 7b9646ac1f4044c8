// The per-vector table: counters, state and latency percentiles of every vector, updated in place.
#include "models/vector_table_model.h"

#include "format/display_text.h"
#include "models/changed_columns.h"
#include "models/vector_state.h"

#include <QBrush>
#include <QFont>

#include <limits>

namespace irqscope::ui {

namespace {

bool isNumeric(int column)
{
    return column >= VectorTableModel::TriggeredColumn || column == VectorTableModel::SubindexColumn ||
           column == VectorTableModel::HostIrqColumn || column == VectorTableModel::HostCpuColumn;
}

} // namespace

VectorTableModel::VectorTableModel(QObject* parent)
    : QAbstractTableModel(parent)
{}

void VectorTableModel::setVectors(const core::VectorSlots& slots)
{
    beginResetModel();
    m_rows.assign(slots.size(), VectorRow{});
    for (uint32_t slot = 0; slot < slots.size(); ++slot) {
        m_rows[slot].slot = slot;
        m_rows[slot].id = slots.id(slot);
    }
    m_hasHostData = false;
    m_hasIrqThreads = false;
    m_hasDeliveryData = false;
    endResetModel();
}

int VectorTableModel::applySnapshot(const core::Snapshot& snapshot)
{
    m_observed = snapshot.observed;
    int changed = 0;
    int firstRow = -1;
    int lastRow = -1;
    ColumnSpan columns;
    bool host = false;
    bool threads = false;
    bool delivery = false;
    std::size_t next = 0; // snapshot vectors are in slot order
    for (std::size_t row = 0; row < m_rows.size(); ++row) {
        VectorRow& r = m_rows[row];
        while (next < snapshot.vectors.size() && snapshot.vectors[next].slot < r.slot)
            ++next;
        VectorRow updated = r;
        if (next < snapshot.vectors.size() && snapshot.vectors[next].slot == r.slot) {
            const core::VectorSnapshot& v = snapshot.vectors[next];
            updated.seen = true;
            updated.counters = v.counters;
            updated.rateHz = v.completionRateHz;
            updated.latency = v.latency;
            updated.deliveryTracked = v.deliveryTracked;
            updated.delivery = v.delivery;
            updated.deliveryUnstamped = v.deliveryUnstamped;
            updated.lastError = v.lastError;
            updated.hostIrq = v.hostIrq;
            updated.hostCpu = v.hostCpu;
            updated.hostCount = v.hostCount;
            updated.hostGap = v.hostCompletionGap();
            updated.irqThread = v.irqThread;
            updated.observed.reset();
            if (v.observed)
                updated.observed = ObservedRow{v.observed->present, v.observed->hostCount, v.observed->hostRateHz,
                                               v.observed->delivery == core::ObservedDelivery::Posted ||
                                                   v.observed->delivery == core::ObservedDelivery::LikelyPosted,
                                               v.observed->deliveryReason};
        } else {
            // Not listed (a new engine, nothing armed yet): keep the counts, but it is not armed any more.
            updated.counters.state = 0;
            updated.rateHz = 0;
            if (updated.observed && snapshot.observed) {
                updated.observed->present = false;
                updated.observed->hostRateHz = 0;
            } else {
                updated.observed.reset();
            }
        }
        host = host || updated.hostIrq >= 0;
        threads = threads || updated.irqThread.has_value();
        delivery = delivery || updated.deliveryTracked;
        // (A row changing between measured and observed changes its State, Rate/s and Host count cells.)
        const ColumnSpan span = changedColumns(r, updated);
        if (span.empty())
            continue;
        r = std::move(updated);
        ++changed;
        columns.add(span);
        if (firstRow < 0)
            firstRow = static_cast<int>(row);
        lastRow = static_cast<int>(row);
    }
    m_hasHostData = host;
    m_hasIrqThreads = threads;
    m_hasDeliveryData = delivery;
    // One signal: the view repaints its viewport either way, and the proxy maps one range instead of many.
    if (changed)
        Q_EMIT dataChanged(index(firstRow, columns.first), index(lastRow, columns.last));
    return changed;
}

int VectorTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int VectorTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant VectorTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const VectorRow& row = m_rows[static_cast<std::size_t>(index.row())];
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return displayData(row, column);
    case SortRole:
        return sortData(row, column);
    case SlotRole:
        return row.slot;
    case ActiveRole:
        return row.seen || (row.shownState() & core::vstate::kArmed) != 0;
    case Qt::ToolTipRole:
        return toolTip(row, column);
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(isNumeric(column) ? Qt::AlignRight | Qt::AlignVCenter
                                                     : Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::DecorationRole:
        if (column == StateColumn)
            return stateIcon(classifyState(row.shownState()));
        return {};
    case Qt::ForegroundRole: {
        const auto& c = row.counters;
        if ((column == ErrorsColumn && c.errors) || (column == MissedColumn && c.missed) ||
            (column == StateColumn && classifyState(row.shownState()) == VectorState::Stuck))
            return QBrush(QColor(0xd3, 0x2f, 0x2f));
        if (column == StateColumn)
            return {};
        if (!row.seen && !(row.shownState() & core::vstate::kArmed))
            return QBrush(QColor(0x9e, 0x9e, 0x9e));
        return {};
    }
    case Qt::FontRole:
        if ((column == ErrorsColumn && row.counters.errors) || (column == MissedColumn && row.counters.missed)) {
            static const QFont bold = [] {
                QFont f;
                f.setBold(true);
                return f;
            }();
            return bold;
        }
        return {};
    default:
        return {};
    }
}

void VectorTableModel::setHostNote(const QString& note)
{
    if (note == m_hostNote)
        return;
    m_hostNote = note;
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, HostIrqColumn), index(rowCount() - 1, ColumnCount - 1), {Qt::ToolTipRole});
}

QVariant VectorTableModel::displayData(const VectorRow& row, int column) const
{
    const auto& c = row.counters;
    const auto& l = row.latency;
    const bool have = l.count > 0;
    switch (column) {
    case IndexColumn:
        return indexLabel(row.id.index);
    case SubindexColumn:
        return row.id.sub;
    case HostIrqColumn:
        return row.hostIrq >= 0 ? QString::number(row.hostIrq) : QStringLiteral("—");
    case HostCpuColumn:
        return row.hostCpu >= 0 ? QString::number(row.hostCpu) : QStringLiteral("—");
    case StateColumn:
        // Observed: the owner enabled the vector (it is in /proc/interrupts); irqscope armed nothing.
        if (row.observed && row.observed->present)
            return QStringLiteral("in use by owner");
        return stateLabel(row.shownState());
    case TriggeredColumn:
        return QString::number(c.triggered);
    case CompletedColumn:
        return QString::number(c.completed);
    case CoalescedColumn:
        return QString::number(c.coalesced);
    case MissedColumn:
        return QString::number(c.missed);
    case InFlightColumn:
        return QString::number(c.inFlight);
    case SpuriousColumn:
        return QString::number(c.spurious);
    case ErrorsColumn:
        return QString::number(c.errors);
    case RateColumn:
        if (row.observed && row.observed->present && row.observed->posted)
            return QStringLiteral("posted");
        return formatRate(row.shownRateHz());
    case MinColumn:
        return formatLatency(l.minNs, have);
    case P50Column:
        return formatLatency(l.p50Ns, have);
    case P99Column:
        return formatLatency(l.p99Ns, have);
    case P999Column:
        return formatLatency(l.p999Ns, have);
    case MaxColumn:
        return formatLatency(l.maxNs, have);
    case HostCountColumn:
        return row.hostIrq >= 0 ? QString::number(row.shownHostCount()) : QStringLiteral("—");
    case HostGapColumn:
        return row.hostIrq >= 0 ? QString::number(row.hostGap) : QStringLiteral("—");
    case ShortfallColumn:
        return QString::number(c.skipped + c.behind);
    case IrqThreadColumn: {
        if (!row.irqThread)
            return QStringLiteral("—");
        const auto& t = *row.irqThread;
        QString policy = QString::fromStdString(t.policy);
        policy.remove(QStringLiteral("SCHED_"));
        if (t.priority > 0)
            policy += QStringLiteral(" %1").arg(t.priority);
        return t.lastCpu >= 0 ? QStringLiteral("%1, CPU %2").arg(policy).arg(t.lastCpu) : policy;
    }
    case DeliveryP50Column:
        return row.deliveryTracked ? formatLatency(row.delivery.p50Ns, row.delivery.count > 0) : QStringLiteral("—");
    case DeliveryP99Column:
        return row.deliveryTracked ? formatLatency(row.delivery.p99Ns, row.delivery.count > 0) : QStringLiteral("—");
    default:
        return {};
    }
}

QVariant VectorTableModel::sortData(const VectorRow& row, int column) const
{
    const auto& c = row.counters;
    const auto& l = row.latency;
    // Vectors without samples sort after every measured one in latency columns.
    const auto latency = [&](int64_t ns) -> qint64 {
        return l.count ? ns : std::numeric_limits<qint64>::max();
    };
    switch (column) {
    case IndexColumn:
    case SubindexColumn:
        return row.slot;
    case HostIrqColumn:
        return row.hostIrq;
    case HostCpuColumn:
        return row.hostCpu;
    case StateColumn:
        return static_cast<int>(classifyState(row.shownState()));
    case TriggeredColumn:
        return QVariant::fromValue<qulonglong>(c.triggered);
    case CompletedColumn:
        return QVariant::fromValue<qulonglong>(c.completed);
    case CoalescedColumn:
        return QVariant::fromValue<qulonglong>(c.coalesced);
    case MissedColumn:
        return QVariant::fromValue<qulonglong>(c.missed);
    case InFlightColumn:
        return QVariant::fromValue<qulonglong>(c.inFlight);
    case SpuriousColumn:
        return QVariant::fromValue<qulonglong>(c.spurious);
    case ErrorsColumn:
        return QVariant::fromValue<qulonglong>(c.errors);
    case RateColumn:
        return row.shownRateHz();
    case MinColumn:
        return latency(l.minNs);
    case P50Column:
        return latency(l.p50Ns);
    case P99Column:
        return latency(l.p99Ns);
    case P999Column:
        return latency(l.p999Ns);
    case MaxColumn:
        return latency(l.maxNs);
    // No host IRQ sorts before every known count (as an unknown host IRQ, -1, does).
    case HostCountColumn:
        return row.hostIrq >= 0 ? static_cast<qint64>(row.shownHostCount()) : qint64{-1};
    case HostGapColumn:
        return row.hostIrq >= 0 ? static_cast<qint64>(row.hostGap) : std::numeric_limits<qint64>::min();
    case ShortfallColumn:
        return QVariant::fromValue<qulonglong>(c.skipped + c.behind);
    case IrqThreadColumn: // by priority; no thread before any
        return row.irqThread ? row.irqThread->priority : -1;
    case DeliveryP50Column:
        return row.delivery.count ? row.delivery.p50Ns : std::numeric_limits<qint64>::max();
    case DeliveryP99Column:
        return row.delivery.count ? row.delivery.p99Ns : std::numeric_limits<qint64>::max();
    default:
        return {};
    }
}

QString VectorTableModel::toolTip(const VectorRow& row, int column) const
{
    const auto& c = row.counters;
    switch (column) {
    case StateColumn:
    case ErrorsColumn:
    case MissedColumn: {
        QString text = vectorLabel(row.id) + QStringLiteral(": ") + stateLabel(row.shownState());
        if (c.lastErrno)
            text += QStringLiteral("\nlast errno: ") + QString::number(c.lastErrno);
        if (!row.lastError.empty())
            text += QStringLiteral("\n") + QString::fromStdString(row.lastError);
        return text;
    }
    case InFlightColumn:
        return QStringLiteral("triggered − completed − coalesced − missed: triggers still waiting for a completion");
    case CoalescedColumn:
        return QStringLiteral("triggers merged into one completion (eventfd counter above 1)");
    case SpuriousColumn:
        return QStringLiteral("completions with no outstanding trigger while irqscope triggers this vector");
    case RateColumn:
        if (row.observed && row.observed->present && !row.observed->deliveryReason.empty())
            return QStringLiteral("interrupts per second the host IRQ took over the last sample interval; delivery: %1")
                .arg(QString::fromStdString(row.observed->deliveryReason));
        return row.observed ? QStringLiteral("interrupts per second the host IRQ took over the last sample interval")
                            : QStringLiteral("completions per second over the last rate window");
    case HostIrqColumn:
        return row.hostIrq >= 0 ? QStringLiteral("Linux IRQ %1 serves this vector (/proc/interrupts)").arg(row.hostIrq)
                                : m_hostNote;
    case HostCpuColumn:
        return row.hostCpu >= 0 ? QStringLiteral("IRQ %1 is delivered to CPU %2 (effective affinity)")
                                      .arg(row.hostIrq)
                                      .arg(row.hostCpu)
                                : m_hostNote;
    case HostCountColumn:
        if (row.hostIrq < 0)
            return m_hostNote;
        return row.observed
                   ? QStringLiteral("Interrupts IRQ %1 took since observing started").arg(row.hostIrq)
                   : QStringLiteral("Interrupts IRQ %1 took since the vector was armed: device raises move it, "
                                    "loopback triggers do not")
                         .arg(row.hostIrq);
    case HostGapColumn:
        return row.hostIrq >= 0 ? QStringLiteral("%1 of the %2 eventfd signals did not come through IRQ %3 "
                                                 "(loopback triggers); 0 when the device raised every one")
                                      .arg(row.hostGap)
                                      .arg(row.hostGap + static_cast<int64_t>(row.hostCount))
                                      .arg(row.hostIrq)
                                : m_hostNote;
    case ShortfallColumn:
        return QStringLiteral("%1 of the %2 requested triggers not fired: %3 with the schedule behind (the firing "
                              "thread was late), %4 with the window full (the device is slower than the rate)")
            .arg(c.skipped + c.behind)
            .arg(c.requested)
            .arg(c.behind)
            .arg(c.skipped);
    case IrqThreadColumn: {
        if (!row.irqThread)
            return row.hostIrq >= 0 ? QStringLiteral("IRQ %1's handler runs in hard interrupt context: no thread "
                                                     "(a PREEMPT_RT kernel or the threadirqs boot option threads it)")
                                          .arg(row.hostIrq)
                                    : m_hostNote;
        const auto& t = *row.irqThread;
        return QStringLiteral("%1 (pid %2): %3%4, may run on CPUs %5, last ran on CPU %6; IRQ %7 may fire on CPUs %8")
            .arg(QString::fromStdString(t.comm))
            .arg(t.pid)
            .arg(QString::fromStdString(t.policy))
            .arg(t.priority > 0 ? QStringLiteral(" %1").arg(t.priority) : QString())
            .arg(QString::fromStdString(t.affinity))
            .arg(t.lastCpu)
            .arg(row.hostIrq)
            .arg(t.irqAffinity.empty() ? QStringLiteral("?") : QString::fromStdString(t.irqAffinity));
    }
    case DeliveryP50Column:
    case DeliveryP99Column:
        if (!row.deliveryTracked)
            return QStringLiteral("no delivery poller watches this vector (device-raised command triggers only)");
        return QStringLiteral("%1 completions with a delivery stamp, %2 without (the poller had not seen them in "
                              "time); round trip p50 %3")
            .arg(row.delivery.count)
            .arg(row.deliveryUnstamped)
            .arg(formatLatency(row.latency.p50Ns, row.latency.count > 0));
    default:
        return {};
    }
}

QVariant VectorTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    static const char* const kTitles[ColumnCount] = {
        "Index",  "Sub",   "Host IRQ",   "CPU",      "State",     "Triggered",  "Done",    "Coal.",
        "Missed", "Infl.", "Spur.",      "Errors",   "Rate/s",    "Min",        "P50",     "P99",
        "P99.9",  "Max",   "Host count", "Host gap", "Shortfall", "IRQ thread", "Dlv P50", "Dlv P99"};
    static const char* const kTips[ColumnCount] = {
        "Interrupt index (INTx, MSI, MSI-X, ERR, REQ)",
        "Subindex (vector number within the index)",
        "Host IRQ number (/proc/interrupts)",
        "CPU the host IRQ is delivered to (effective affinity)",
        "Vector state: disarmed, armed, triggering, masked, automasked, pending, stuck",
        "Triggers irqscope fired",
        "Completions that resolved a trigger (latency sampled)",
        "Triggers merged into another's completion",
        "Triggers with no completion by the deadline",
        "Triggers still waiting for a completion",
        "Completions with no outstanding trigger",
        "Failed SET_IRQS or register accesses",
        "Completions per second",
        "Minimum latency",
        "Median latency",
        "99th percentile latency",
        "99.9th percentile latency",
        "Maximum latency",
        "Interrupts the host IRQ took since the vector was armed (device raises; loopback triggers do not move it)",
        "Eventfd completions minus the host count: signals that did not come through the host IRQ (loopback)",
        "Requested triggers (rate × time triggered) not fired: schedule behind plus window full",
        "The kernel thread running the host IRQ's handler (PREEMPT_RT, threadirqs): policy, priority, last CPU",
        "Median interrupt delivery: completion visible in memory to eventfd completion (command triggers)",
        "99th percentile interrupt delivery: completion visible in memory to eventfd completion"};
    if (role == Qt::DisplayRole)
        return QString::fromUtf8(kTitles[section]);
    if (role == Qt::ToolTipRole)
        return QString::fromUtf8(kTips[section]);
    return {};
}

} // namespace irqscope::ui

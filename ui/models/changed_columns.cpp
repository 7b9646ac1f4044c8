// Per-column comparison of two versions of a vector row (what the table shows of each column).
#include "models/changed_columns.h"

namespace irqscope::ui {

namespace {

using C = VectorTableModel;

bool active(const VectorRow& r)
{
    return r.seen || (r.shownState() & core::vstate::kArmed) != 0;
}

bool cellDiffers(const VectorRow& a, const VectorRow& b, int column)
{
    const auto& x = a.counters;
    const auto& y = b.counters;
    const auto& l = a.latency;
    const auto& m = b.latency;
    // State, Missed and Errors share one tooltip: state, last errno and last error. An observed vector's state
    // text ("in use by owner") and the Rate/s and Host count tooltips differ from a measured one's.
    const bool observedChanged = a.observed.has_value() != b.observed.has_value();
    const bool stateTip =
        a.shownState() != b.shownState() || observedChanged || x.lastErrno != y.lastErrno || a.lastError != b.lastError;
    switch (column) {
    case C::IndexColumn:
    case C::SubindexColumn:
        return false; // a row's vector never changes (setVectors resets the model)
    case C::HostIrqColumn:
        return a.hostIrq != b.hostIrq;
    case C::HostCpuColumn:
        return a.hostCpu != b.hostCpu || a.hostIrq != b.hostIrq;
    case C::StateColumn:
        return stateTip;
    case C::TriggeredColumn:
        return x.triggered != y.triggered;
    case C::CompletedColumn:
        return x.completed != y.completed;
    case C::CoalescedColumn:
        return x.coalesced != y.coalesced;
    case C::MissedColumn:
        return x.missed != y.missed || stateTip;
    case C::InFlightColumn:
        return x.inFlight != y.inFlight;
    case C::SpuriousColumn:
        return x.spurious != y.spurious;
    case C::ErrorsColumn:
        return x.errors != y.errors || stateTip;
    case C::RateColumn:
        return a.shownRateHz() != b.shownRateHz() || observedChanged ||
               (a.observed && b.observed &&
                (a.observed->posted != b.observed->posted || a.observed->deliveryReason != b.observed->deliveryReason));
    case C::MinColumn:
        return l.minNs != m.minNs || (l.count > 0) != (m.count > 0);
    case C::P50Column:
        return l.p50Ns != m.p50Ns || (l.count > 0) != (m.count > 0);
    case C::P99Column:
        return l.p99Ns != m.p99Ns || (l.count > 0) != (m.count > 0);
    case C::P999Column:
        return l.p999Ns != m.p999Ns || (l.count > 0) != (m.count > 0);
    case C::MaxColumn:
        return l.maxNs != m.maxNs || (l.count > 0) != (m.count > 0);
    case C::HostCountColumn:
        return a.shownHostCount() != b.shownHostCount() || a.hostIrq != b.hostIrq || observedChanged;
    case C::HostGapColumn:
        return a.hostGap != b.hostGap || a.hostIrq != b.hostIrq;
    case C::ShortfallColumn:
        return x.skipped != y.skipped || x.behind != y.behind || x.requested != y.requested;
    case C::IrqThreadColumn:
        return a.irqThread != b.irqThread || a.hostIrq != b.hostIrq;
    case C::DeliveryP50Column:
    case C::DeliveryP99Column: // the tooltip shows the counts and the round trip's median too
        return a.deliveryTracked != b.deliveryTracked || a.delivery.p50Ns != b.delivery.p50Ns ||
               a.delivery.p99Ns != b.delivery.p99Ns || a.delivery.count != b.delivery.count ||
               a.deliveryUnstamped != b.deliveryUnstamped || l.p50Ns != m.p50Ns;
    default:
        return false;
    }
}

} // namespace

ColumnSpan changedColumns(const VectorRow& before, const VectorRow& after)
{
    ColumnSpan span;
    // Active or not greys the whole row (ForegroundRole) and decides the "active only" filter.
    if (active(before) != active(after)) {
        span.add(0);
        span.add(C::ColumnCount - 1);
        return span;
    }
    for (int c = 0; c < C::ColumnCount; ++c) {
        if (cellDiffers(before, after, c))
            span.add(c);
    }
    return span;
}

} // namespace irqscope::ui

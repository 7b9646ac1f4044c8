#include "engine/vector_arming.h"

#include "base/monotonic_clock.h"
#include "device/command_trigger.h"
#include "profile/device_profile.h"

#include <algorithm>
#include <cerrno>
#include <span>
#include <sys/eventfd.h>
#include <unistd.h>

namespace irqscope::core {

namespace {

bool isMsiLike(IrqIndex index)
{
    return index == IrqIndex::Msi || index == IrqIndex::Msix;
}

// INTx, MSI and MSI-X exclude each other: the kernel allows one interrupt type at a time
// (docs/kernel-vfio-irq.md §2.5).
bool isExclusiveType(IrqIndex index)
{
    return index == IrqIndex::Intx || isMsiLike(index);
}

} // namespace

VectorArming::VectorArming(IrqDevice& device, const EngineConfig& config, const VectorSlots& slots,
                           const std::array<IrqInfo, kNumPciIrqIndexes>& irqInfo, CompletionRing& ring,
                           uint32_t unmaskFile, TriggerBooks& books, PlanPublisher& plan, CoreMessages& messages,
                           const ReqWatch& reqWatch, DeviceLoss& deviceLoss)
    : m_device(device)
    , m_config(config)
    , m_slots(slots)
    , m_irqInfo(irqInfo)
    , m_ring(ring)
    , m_unmaskFile(unmaskFile)
    , m_books(books)
    , m_plan(plan)
    , m_messages(messages)
    , m_reqWatch(reqWatch)
    , m_deviceLoss(deviceLoss)
    , m_vectors(std::make_unique<ArmedVector[]>(slots.size() ? slots.size() : 1))
    , m_readBuffers(std::make_unique<uint64_t[]>(2 * (slots.size() ? slots.size() : 1)))
{}

VectorArming::~VectorArming()
{
    for (uint32_t slot = 0; slot < m_slots.size(); ++slot)
        if (m_vectors[slot].eventfd >= 0)
            close(m_vectors[slot].eventfd);
    if (m_unmaskEventfd >= 0)
        close(m_unmaskEventfd);
}

void VectorArming::arm(const Command& command)
{
    const uint32_t index = static_cast<uint32_t>(command.index);
    const auto name = irqIndexName(command.index);
    if (!m_irqInfo[index].eventfd()) {
        m_messages.reply(command, EINVAL, "%.*s cannot signal through an eventfd on this device", int(name.size()),
                         name.data());
        return;
    }
    if (command.index == IrqIndex::Req && m_reqWatch.active()) {
        m_messages.reply(command, EBUSY,
                         "req:0 is armed by irqscope itself, to notice when the host asks for the device back: it "
                         "cannot be measured");
        return;
    }
    if (isExclusiveType(command.index)) {
        for (IrqIndex other : {IrqIndex::Intx, IrqIndex::Msi, IrqIndex::Msix}) {
            if (other != command.index && m_armedPerIndex[static_cast<uint32_t>(other)]) {
                const auto o = irqIndexName(other);
                m_messages.reply(command, EBUSY,
                                 "cannot arm %.*s while %.*s is armed: the kernel allows one of INTx, MSI and MSI-X "
                                 "at a time; disarm %.*s first",
                                 int(name.size()), name.data(), int(o.size()), o.data(), int(o.size()), o.data());
                return;
            }
        }
    }
    const uint32_t first = m_slots.slot({command.index, 0});
    const uint32_t end = command.start + command.count;
    // Create eventfds for the vectors not armed yet. Blocking eventfds: io_uring reads them through its poll
    // path; a non-blocking one would complete every read at once with -EAGAIN.
    uint32_t created = 0;
    for (uint32_t sub = command.start; sub < end; ++sub) {
        ArmedVector& v = m_vectors[first + sub];
        if (v.armed)
            continue;
        v.eventfd = eventfd(0, EFD_CLOEXEC);
        if (v.eventfd < 0) {
            const int err = errno;
            for (uint32_t k = command.start; k < sub; ++k) {
                ArmedVector& undo = m_vectors[first + k];
                if (!undo.armed && undo.eventfd >= 0) {
                    close(undo.eventfd);
                    undo.eventfd = -1;
                }
            }
            m_messages.reply(command, err, "cannot create eventfds: %s (raise `ulimit -n`)", errnoText(err));
            return;
        }
        ++created;
    }
    if (created == 0) {
        m_messages.reply(command, 0, "%.*s:%u-%u already armed", int(name.size()), name.data(), command.start, end - 1);
        return;
    }

    const bool active = m_armedPerIndex[index] > 0;
    const bool mustReenable =
        active && isMsiLike(command.index) && m_irqInfo[index].noResize() && end > m_enabledCount[index];
    uint32_t failedAt = command.start;
    if (const int rc = setTriggers(command, mustReenable, failedAt); rc != 0) {
        undoArm(command, mustReenable, failedAt);
        if (rc > 0) {
            // Multi-MSI shortfall: the kernel could allocate only rc vectors and enabled none
            // (docs/kernel-vfio-irq.md §2.5).
            m_messages.reply(command, ENOSPC,
                             "only %d %.*s vector%s could be allocated (no interrupt remapping?): arm %.*s:0-%d at "
                             "most",
                             rc, int(name.size()), name.data(), rc == 1 ? "" : "s", int(name.size()), name.data(),
                             rc - 1);
        } else {
            m_messages.reply(command, -rc, "arming %.*s:%u-%u failed: SET_IRQS returned %s (%s)", int(name.size()),
                             name.data(), command.start, end - 1, errnoName(-rc), errnoText(-rc));
            m_deviceLoss.note(rc, "arming");
        }
        return;
    }

    const int64_t now = monotonicNs();
    for (uint32_t sub = command.start; sub < end; ++sub) {
        const uint32_t slot = first + sub;
        ArmedVector& v = m_vectors[slot];
        if (v.armed)
            continue;
        ++v.generation;
        v.armed = true;
        m_books.noteArmed(slot);
        m_ring.setFile(slot, v.eventfd);
        queueRead(slot);
        ++m_armedPerIndex[index];
        m_books.setState(slot, vstate::kArmed, vstate::kUserMasked | vstate::kAutomasked | vstate::kStuck);
        m_books.pushEvent(slot, EventCode::Armed, now);
    }
    if (command.index == IrqIndex::Intx && m_config.intxUnmaskEventfd && m_unmaskEventfd < 0)
        setUpIntxUnmask();
    if (m_config.commandTrigger && m_plan.mode() == TriggerMode::Device && command.index == IrqIndex::Msix) {
        // Each vector's queues, now that MSI-X is on (QEMU refuses a completion queue on a vector other than 0
        // before: docs/dma-triggers.md §3). The admin commands' own completions raise vector 0.
        for (uint32_t sub = command.start; sub < end; ++sub) {
            if (!m_config.commandTrigger->canRaise({command.index, sub}))
                continue;
            if (const std::string error = m_config.commandTrigger->setUp(sub); !error.empty()) {
                m_ring.submit();
                disarm(command, true);
                m_messages.reply(command, EIO, "%s", error.c_str());
                return;
            }
        }
    } else if (m_config.profile && m_plan.mode() == TriggerMode::Device) {
        for (const auto& w : m_config.profile->setup)
            (void)m_device.regionWrite32(w.region, w.offset, w.valueFor(0));
    }
    m_ring.submit();
    m_messages.reply(command, 0, "armed %.*s:%u-%u", int(name.size()), name.data(), command.start, end - 1);
}

int VectorArming::setTriggers(const Command& command, bool mustReenable, uint32_t& failedAt)
{
    const uint32_t index = static_cast<uint32_t>(command.index);
    const uint32_t first = m_slots.slot({command.index, 0});
    const uint32_t end = command.start + command.count;
    int32_t fds[IrqSetRequest::kMaxElements];
    int rc = 0;
    if (m_armedPerIndex[index] == 0 || mustReenable) {
        // Enable (or re-enable: NORESIZE means the set cannot grow while enabled, docs/kernel-vfio-irq.md §1.2, §6.1)
        // with every armed vector of the index in one call; unarmed subindexes below get -1.
        uint32_t hi = end;
        for (uint32_t sub = 0; sub < m_slots.count(command.index); ++sub) {
            if (m_vectors[first + sub].armed)
                hi = std::max(hi, sub + 1);
        }
        for (uint32_t sub = 0; sub < hi; ++sub)
            fds[sub] = m_vectors[first + sub].eventfd;
        if (mustReenable) {
            const int off = m_device.setIrqs(m_request.disableIndex(index));
            if (off < 0 && off != -EINVAL)
                rc = off;
        }
        if (rc == 0)
            rc = m_device.setIrqs(m_request.setTriggerEventfds(index, 0, std::span<const int32_t>(fds, hi)));
        if (rc == 0)
            m_enabledCount[index] = hi;
        return rc;
    }
    // Add the new vectors one contiguous run at a time; passing -1 for an armed vector would de-assign it.
    uint32_t sub = command.start;
    while (rc == 0 && sub < end) {
        if (m_vectors[first + sub].armed) {
            ++sub;
            continue;
        }
        uint32_t runEnd = sub;
        while (runEnd < end && !m_vectors[first + runEnd].armed) {
            fds[runEnd - sub] = m_vectors[first + runEnd].eventfd;
            ++runEnd;
        }
        rc = m_device.setIrqs(m_request.setTriggerEventfds(index, sub, std::span<const int32_t>(fds, runEnd - sub)));
        if (rc != 0)
            failedAt = sub;
        sub = runEnd;
    }
    return rc;
}

void VectorArming::undoArm(const Command& command, bool mustReenable, uint32_t failedAt)
{
    const uint32_t index = static_cast<uint32_t>(command.index);
    const uint32_t first = m_slots.slot({command.index, 0});
    const uint32_t end = command.start + command.count;
    // The runs before the failing call are set in the kernel (a failing call unwinds only its own vectors,
    // docs/kernel-vfio-irq.md §2.5): de-assign exactly those, so the device is left as it was before this command.
    int32_t off[IrqSetRequest::kMaxElements];
    for (uint32_t sub = command.start; sub < failedAt;) {
        if (m_vectors[first + sub].armed) {
            ++sub;
            continue;
        }
        uint32_t runEnd = sub;
        while (runEnd < failedAt && !m_vectors[first + runEnd].armed)
            off[runEnd++ - sub] = -1;
        (void)m_device.setIrqs(m_request.setTriggerEventfds(index, sub, std::span<const int32_t>(off, runEnd - sub)));
        sub = runEnd;
    }
    for (uint32_t sub = command.start; sub < end; ++sub) {
        ArmedVector& v = m_vectors[first + sub];
        if (!v.armed && v.eventfd >= 0) {
            close(v.eventfd);
            v.eventfd = -1;
        }
    }
    if (mustReenable) {
        // The re-enable failed after the disable: the previously armed vectors are off now too.
        for (uint32_t sub = 0; sub < m_slots.count(command.index); ++sub) {
            if (m_vectors[first + sub].armed) {
                Command one = command;
                one.start = sub;
                one.count = 1;
                disarm(one, true);
            }
        }
    }
}

void VectorArming::setUpIntxUnmask()
{
    const uint32_t index = static_cast<uint32_t>(IrqIndex::Intx);
    m_unmaskEventfd = eventfd(0, EFD_CLOEXEC);
    if (m_unmaskEventfd >= 0 && m_device.setIrqs(m_request.setUnmaskEventfd(index, m_unmaskEventfd)) == 0 &&
        m_ring.setFile(m_unmaskFile, m_unmaskEventfd) == 0) {
        // INTx is unmasked by writing this eventfd from the ring (docs/kernel-vfio-irq.md §2.4, virqfd).
    } else if (m_unmaskEventfd >= 0) {
        close(m_unmaskEventfd);
        m_unmaskEventfd = -1;
    }
}

void VectorArming::disarm(const Command& command, bool quiet, bool atStop)
{
    const uint32_t index = static_cast<uint32_t>(command.index);
    const auto name = irqIndexName(command.index);
    const uint32_t first = m_slots.slot({command.index, 0});
    const uint32_t end = command.start + command.count;
    const int64_t now = monotonicNs();
    uint32_t removed = 0;
    bool planChanged = false;
    for (uint32_t sub = command.start; sub < end; ++sub)
        if (m_vectors[first + sub].armed && m_books.triggering(first + sub)) {
            m_books.setTriggering(first + sub, false);
            planChanged = true;
        }
    if (planChanged)
        m_plan.publish(now); // the trigger thread stops firing these before the kernel forgets them
    for (uint32_t sub = command.start; sub < end; ++sub)
        removed += m_vectors[first + sub].armed ? 1 : 0;
    if (removed == 0) {
        if (!quiet)
            m_messages.reply(command, 0, "%.*s:%u-%u not armed", int(name.size()), name.data(), command.start, end - 1);
        return;
    }
    if (m_config.commandTrigger && command.index == IrqIndex::Msix) {
        // Out of the plan (above), so nothing fires on these queues any more: delete them while the vectors are
        // still armed.
        for (uint32_t sub = command.start; sub < end; ++sub)
            if (m_vectors[first + sub].armed)
                m_config.commandTrigger->tearDown(sub);
    }
    int rc = 0;
    if (removed == m_armedPerIndex[index]) {
        if (m_config.profile && m_plan.mode() == TriggerMode::Device && command.index != IrqIndex::Err &&
            command.index != IrqIndex::Req) {
            for (const auto& w : m_config.profile->teardown)
                (void)m_device.regionWrite32(w.region, w.offset, w.valueFor(0));
        }
        if (command.index == IrqIndex::Intx && m_unmaskEventfd >= 0) {
            (void)m_device.setIrqs(m_request.setUnmaskEventfd(index, -1));
            m_ring.setFile(m_unmaskFile, -1);
            close(m_unmaskEventfd);
            m_unmaskEventfd = -1;
        }
        // Disabling an index that is already off is -EINVAL: disarm is not idempotent in the kernel, so "already
        // off" counts as done (docs/kernel-vfio-irq.md §6.2).
        if (command.index == IrqIndex::Err || command.index == IrqIndex::Req) {
            const int32_t off = -1;
            rc = m_device.setIrqs(m_request.setTriggerEventfds(index, 0, std::span<const int32_t>(&off, 1)));
        } else {
            rc = m_device.setIrqs(m_request.disableIndex(index));
        }
        if (rc == -EINVAL)
            rc = 0;
        m_enabledCount[index] = 0;
    } else {
        // Leave the index enabled: fd -1 de-assigns just these vectors (docs/kernel-vfio-irq.md §1.3).
        int32_t off[IrqSetRequest::kMaxElements];
        std::fill_n(off, command.count, -1);
        for (uint32_t sub = command.start; sub < end && rc == 0;) {
            if (!m_vectors[first + sub].armed) {
                ++sub;
                continue;
            }
            uint32_t runEnd = sub;
            while (runEnd < end && m_vectors[first + runEnd].armed)
                ++runEnd;
            rc =
                m_device.setIrqs(m_request.setTriggerEventfds(index, sub, std::span<const int32_t>(off, runEnd - sub)));
            sub = runEnd;
        }
        if (rc == -EINVAL)
            rc = 0;
    }
    for (uint32_t sub = command.start; sub < end; ++sub) {
        const uint32_t slot = first + sub;
        ArmedVector& v = m_vectors[slot];
        if (!v.armed)
            continue;
        // Triggers still in flight can no longer complete: mid-run they are missed, with the reason "disarmed";
        // at stop they stay counted as in flight at stop (triggered = completed + coalesced + missed + in flight).
        if (!atStop)
            m_books.resolveAllMissed(slot, now, ESHUTDOWN);
        m_ring.queueCancel(CqeTag::encode(CqeKind::VectorRead, v.generation & 0xffffff, slot),
                           CqeTag::encode(CqeKind::Cancel, 0, slot));
        ++v.generation;
        m_ring.setFile(slot, -1);
        if (v.eventfd >= 0)
            close(v.eventfd);
        v.eventfd = -1;
        v.armed = false;
        m_books.noteDisarmed(slot);
        --m_armedPerIndex[index];
        m_books.setState(slot, 0,
                         vstate::kArmed | vstate::kUserMasked | vstate::kAutomasked | vstate::kPending |
                             vstate::kTriggering | vstate::kStuck);
        m_books.pushEvent(slot, EventCode::Disarmed, now);
    }
    m_ring.submit();
    if (quiet)
        return;
    if (rc < 0)
        m_messages.reply(command, -rc, "disarming %.*s:%u-%u: SET_IRQS returned %s (%s); irqscope no longer uses them",
                         int(name.size()), name.data(), command.start, end - 1, errnoName(-rc), errnoText(-rc));
    else
        m_messages.reply(command, 0, "disarmed %.*s:%u-%u", int(name.size()), name.data(), command.start, end - 1);
}

void VectorArming::disarmAll()
{
    for (IrqIndex index : {IrqIndex::Intx, IrqIndex::Msi, IrqIndex::Msix, IrqIndex::Err, IrqIndex::Req}) {
        const uint32_t count = m_slots.count(index);
        if (count && m_armedPerIndex[static_cast<uint32_t>(index)]) {
            Command all;
            all.kind = CommandKind::Disarm;
            all.index = index;
            all.start = 0;
            all.count = count;
            disarm(all, true, true);
        }
    }
}

void VectorArming::unmaskIntx(uint32_t slot, int64_t nowNs)
{
    // Ack the device's cause first, or the UNMASK finds the line still asserted and the kernel signals again
    // (docs/kernel-vfio-irq.md §2.4, §6.5).
    if (m_config.profile) {
        for (const auto& w : m_config.profile->recipe(IrqIndex::Intx).ack) {
            if (const int rc = m_device.regionWrite32(w.region, w.offset, w.valueFor(0)); rc < 0) {
                m_books.countError(slot, -rc, nowNs);
                m_deviceLoss.note(rc, "an INTx ack");
            }
        }
    }
    if (m_unmaskEventfd >= 0) {
        m_ring.queueWrite(m_unmaskFile, &m_one, CqeTag::encode(CqeKind::UnmaskWrite, 0, slot));
    } else if (const int rc = m_device.setIrqs(m_request.unmask(static_cast<uint32_t>(IrqIndex::Intx))); rc < 0) {
        m_books.countError(slot, -rc, nowNs);
        m_deviceLoss.note(rc, "an INTx unmask");
    }
    m_books.noteIntxUnmasked(slot, nowNs);
}

} // namespace irqscope::core

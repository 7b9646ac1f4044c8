#include "engine/command_handler.h"

#include "base/monotonic_clock.h"
#include "profile/device_profile.h"

#include <cerrno>

namespace irqscope::core {

CommandHandler::CommandHandler(IrqDevice& device, const EngineConfig& config, const VectorSlots& slots,
                               const std::array<IrqInfo, kNumPciIrqIndexes>& irqInfo, TriggerBooks& books,
                               VectorArming& arming, TriggerFiring& firing, PlanPublisher& plan, CoreMessages& messages)
    : m_device(device)
    , m_config(config)
    , m_slots(slots)
    , m_irqInfo(irqInfo)
    , m_books(books)
    , m_arming(arming)
    , m_firing(firing)
    , m_plan(plan)
    , m_messages(messages)
{}

bool CommandHandler::handle(const Command& command, int64_t nowNs)
{
    switch (command.kind) {
    case CommandKind::Arm:
        if (checkRange(command))
            m_arming.arm(command);
        break;
    case CommandKind::Disarm:
        if (checkRange(command))
            m_arming.disarm(command);
        break;
    case CommandKind::TriggerOnce:
        triggerOnce(command, nowNs);
        break;
    case CommandKind::StartTriggering:
        setTriggering(command, true);
        break;
    case CommandKind::StopTriggering:
        setTriggering(command, false);
        break;
    case CommandKind::Mask:
        maskOrUnmask(command, true, nowNs);
        break;
    case CommandKind::Unmask:
        maskOrUnmask(command, false, nowNs);
        break;
    case CommandKind::SetRate:
        setRate(command, nowNs);
        break;
    case CommandKind::SetTriggerMode:
        setMode(command, nowNs);
        break;
    case CommandKind::ResetStats:
        m_books.resetCounters();
        m_messages.reply(command, 0, "statistics reset");
        break;
    case CommandKind::Stop:
        return true;
    }
    return false;
}

bool CommandHandler::checkRange(const Command& command)
{
    const uint32_t available = m_slots.count(command.index);
    const auto name = irqIndexName(command.index);
    if (command.count != 0 && command.start < available && command.count <= available - command.start)
        return true;
    if (available == 0)
        m_messages.reply(command, EINVAL,
                         "%.*s:%u is out of range: the device has no %.*s vectors (see `irqscope list`)",
                         int(name.size()), name.data(), command.start, int(name.size()), name.data());
    else
        m_messages.reply(command, EINVAL, "%.*s:%u%s is out of range: the device has %u %.*s vector%s (%.*s:0-%u)",
                         int(name.size()), name.data(), command.start, command.count > 1 ? "+" : "", available,
                         int(name.size()), name.data(), available == 1 ? "" : "s", int(name.size()), name.data(),
                         available - 1);
    return false;
}

void CommandHandler::setRate(const Command& command, int64_t nowNs)
{
    if (!(command.value > 0) || command.value > 1e7) {
        m_messages.reply(command, EINVAL, "rate %.3g Hz is out of range: use more than 0 and at most 10 MHz per vector",
                         command.value);
        return;
    }
    m_plan.setRate(command.value);
    m_plan.publish(nowNs);
    m_messages.reply(command, 0, "rate set to %.6g Hz per vector", m_plan.rateHz());
}

void CommandHandler::setMode(const Command& command, int64_t nowNs)
{
    if (command.mode == TriggerMode::Device && !m_config.profile && !m_config.commandTrigger) {
        m_messages.reply(command, EINVAL, "device triggers need a device profile (--profile)");
        return;
    }
    m_plan.setMode(command.mode);
    m_plan.publish(nowNs);
    m_messages.reply(command, 0, "trigger mode set");
}

void CommandHandler::setTriggering(const Command& command, bool on)
{
    if (!checkRange(command))
        return;
    const auto name = irqIndexName(command.index);
    const uint32_t first = m_slots.slot({command.index, 0});
    const uint32_t end = command.start + command.count;
    if (on) {
        if (m_plan.mode() == TriggerMode::None) {
            m_messages.reply(command, EINVAL, "trigger mode is none: choose loopback or device first");
            return;
        }
        for (uint32_t sub = command.start; sub < end; ++sub) {
            if (!m_arming.armed(first + sub)) {
                m_messages.reply(command, EINVAL, "%.*s:%u is not armed: arm it before triggering it", int(name.size()),
                                 name.data(), sub);
                return;
            }
            if (m_plan.mode() == TriggerMode::Device && (m_config.profile || m_config.commandTrigger) &&
                !canDeviceRaise(m_config, {command.index, sub})) {
                m_messages.reply(command, EOPNOTSUPP,
                                 "profile '%s' does not say how to raise %.*s:%u: use --trigger loopback for it",
                                 deviceRaiserName(m_config).c_str(), int(name.size()), name.data(), sub);
                return;
            }
        }
    }
    for (uint32_t sub = command.start; sub < end; ++sub) {
        // Only armed vectors are ever triggering: the plan is built from this flag alone.
        m_books.setTriggering(first + sub, on && m_arming.armed(first + sub));
        m_books.setState(first + sub, on ? vstate::kTriggering : 0, on ? 0 : vstate::kTriggering);
    }
    m_plan.publish(monotonicNs());
    m_messages.reply(command, 0, "%s %.*s:%u-%u", on ? "triggering" : "stopped triggering", int(name.size()),
                     name.data(), command.start, end - 1);
}

void CommandHandler::triggerOnce(const Command& command, int64_t nowNs)
{
    if (!checkRange(command))
        return;
    const auto name = irqIndexName(command.index);
    if (m_plan.mode() == TriggerMode::None) {
        m_messages.reply(command, EINVAL, "trigger mode is none: choose loopback or device first");
        return;
    }
    const uint32_t first = m_slots.slot({command.index, 0});
    for (uint32_t sub = command.start; sub < command.start + command.count; ++sub) {
        if (!m_arming.armed(first + sub)) {
            // Never fire a vector whose trigger irqscope has not set (trap 2, docs/kernel-vfio-irq.md §3.2).
            m_messages.reply(command, EINVAL,
                             "%.*s:%u is not armed, so irqscope does not fire it (the kernel may report success "
                             "without signalling anything): arm it first",
                             int(name.size()), name.data(), sub);
            return;
        }
    }
    uint32_t fired = 0;
    for (uint32_t sub = command.start; sub < command.start + command.count; ++sub)
        fired += m_firing.fireOne(first + sub, nowNs) ? 1 : 0;
    m_messages.reply(command, fired ? 0 : EAGAIN, "fired %u of %u", fired, command.count);
}

void CommandHandler::maskOrUnmask(const Command& command, bool mask, int64_t nowNs)
{
    if (!checkRange(command))
        return;
    const auto name = irqIndexName(command.index);
    const uint32_t index = static_cast<uint32_t>(command.index);
    if (!m_irqInfo[index].maskable()) {
        m_messages.reply(command, ENOTTY,
                         "%.*s cannot be %s through VFIO (the kernel answers ENOTTY: only INTx is maskable, "
                         "docs/kernel-vfio-irq.md §2.2)",
                         int(name.size()), name.data(), mask ? "masked" : "unmasked");
        return;
    }
    const uint32_t slot = m_slots.slot({command.index, command.start});
    if (!m_arming.armed(slot)) {
        m_messages.reply(command, EINVAL, "%.*s:%u is not armed: arm it first", int(name.size()), name.data(),
                         command.start);
        return;
    }
    const int rc = mask ? m_device.setIrqs(m_request.mask(index, command.start, command.count))
                        : m_device.setIrqs(m_request.unmask(index, command.start, command.count));
    if (rc < 0) {
        m_books.countError(slot, -rc, nowNs);
        m_messages.reply(command, -rc, "%s %.*s:%u failed: %s (%s)", mask ? "MASK" : "UNMASK", int(name.size()),
                         name.data(), command.start, errnoName(-rc), errnoText(-rc));
        return;
    }
    m_books.setUserMasked(slot, mask, nowNs);
    if (mask) {
        m_books.setState(slot, vstate::kUserMasked, 0);
        m_books.pushEvent(slot, EventCode::Masked, nowNs);
    } else {
        m_books.setState(slot, 0, vstate::kUserMasked | vstate::kAutomasked);
        m_books.pushEvent(slot, EventCode::Unmasked, nowNs);
    }
    m_messages.reply(command, 0, "%s %.*s:%u", mask ? "masked" : "unmasked", int(name.size()), name.data(),
                     command.start);
}

} // namespace irqscope::core

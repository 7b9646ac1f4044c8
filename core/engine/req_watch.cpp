#include "engine/req_watch.h"

#include <cerrno>
#include <span>
#include <sys/eventfd.h>
#include <unistd.h>

namespace irqscope::core {

namespace {

constexpr uint32_t kReqIndex = static_cast<uint32_t>(IrqIndex::Req);

} // namespace

ReqWatch::ReqWatch(IrqDevice& device, const IrqInfo& reqInfo, const VectorSlots& slots, CompletionRing& ring,
                   uint32_t fileIndex, CoreMessages& messages)
    : m_device(device)
    , m_info(reqInfo)
    , m_slots(slots)
    , m_ring(ring)
    , m_file(fileIndex)
    , m_messages(messages)
{}

ReqWatch::~ReqWatch()
{
    if (m_eventfd >= 0)
        close(m_eventfd);
}

bool ReqWatch::arm()
{
    // The REQ index fires when the host wants the device back (an unbind); DPDK arms it too
    // (docs/kernel-vfio-irq.md §2.6).
    if (m_info.count == 0 || !m_info.eventfd() || m_slots.count(IrqIndex::Req) == 0)
        return false;
    m_eventfd = eventfd(0, EFD_CLOEXEC);
    if (m_eventfd < 0)
        return false;
    const int32_t fd = m_eventfd;
    if (m_device.setIrqs(m_request.setTriggerEventfds(kReqIndex, 0, std::span<const int32_t>(&fd, 1))) != 0) {
        close(m_eventfd);
        m_eventfd = -1;
        return false;
    }
    if (m_ring.setFile(m_file, m_eventfd) != 0) {
        release();
        return false;
    }
    m_ring.queueRead(m_file, &m_buffer, CqeTag::encode(CqeKind::ReqRead, 0, 0));
    return true;
}

void ReqWatch::release()
{
    if (m_eventfd < 0)
        return;
    // fd -1 releases the REQ trigger (docs/kernel-vfio-irq.md §2.6); a device already gone answers ENODEV, which
    // is fine.
    const int32_t off = -1;
    (void)m_device.setIrqs(m_request.setTriggerEventfds(kReqIndex, 0, std::span<const int32_t>(&off, 1)));
    if (m_ring.valid())
        m_ring.setFile(m_file, -1);
    close(m_eventfd);
    m_eventfd = -1;
}

bool ReqWatch::onCompletion(int res)
{
    if (res == static_cast<int>(sizeof(uint64_t)))
        return true;
    if (res != -ECANCELED && m_eventfd >= 0)
        m_messages.notice("reading the REQ eventfd failed (%s): a host request for the device will not be noticed",
                          errnoName(-res));
    return false;
}

} // namespace irqscope::core

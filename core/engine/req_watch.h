// ReqWatch: irqscope's own watch on the VFIO REQ index, which signals when the host wants the device back (an
// unbind; docs/kernel-vfio-irq.md §2.6). It sets an eventfd as the REQ trigger and keeps one io_uring read
// queued on it; the core thread hands that read's completion to onCompletion().
//
// Core thread only: arm() at setup, release() at tear-down (both SET_IRQS calls), onCompletion() from the
// harvest (no allocation, no lock; a failed read posts a notice).
#pragma once

#include "base/vector_id.h"
#include "engine/completion_ring.h"
#include "engine/core_messages.h"
#include "vfio/irq_device.h"
#include "vfio/irq_set_request.h"

#include <cstdint>

namespace irqscope::core {

class ReqWatch
{
public:
    ReqWatch(IrqDevice& device, const IrqInfo& reqInfo, const VectorSlots& slots, CompletionRing& ring,
             uint32_t fileIndex, CoreMessages& messages);
    ~ReqWatch();
    ReqWatch(const ReqWatch&) = delete;
    ReqWatch& operator=(const ReqWatch&) = delete;

    // True when the device has a REQ index that signals through an eventfd and irqscope now watches it.
    bool arm();
    void release();
    bool active() const { return m_eventfd >= 0; }
    // The watch's read completed with `res`: true when the host asked for the device.
    bool onCompletion(int res);

private:
    IrqDevice& m_device;
    const IrqInfo& m_info;
    const VectorSlots& m_slots;
    CompletionRing& m_ring;
    const uint32_t m_file;
    CoreMessages& m_messages;
    IrqSetRequest m_request;
    int m_eventfd = -1;
    uint64_t m_buffer = 0;
};

} // namespace irqscope::core

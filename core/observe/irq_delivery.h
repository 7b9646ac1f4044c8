// Delivery per observed vector: host-handled (the host's vfio handler runs, /proc/interrupts counts it), posted to
// a vCPU (the host never sees it), likely posted, or unknown, decided from the owner, the host's posting facts,
// the kvm_pi_irte_update trace and whether the count moves (docs/observer.md "Delivery"). Pure: tests feed
// recorded texts.
#pragma once

#include "observe/pi_irte_trace.h"
#include "observe/posting_facts.h"
#include "stats/snapshot.h"
#include "vfio/device_owner.h"

#include <optional>
#include <string>

namespace irqscope::core {

// "host-handled", "posted", "likely-posted", "unknown" (JSON, table and the metrics' mode label).
const char* deliveryName(ObservedDelivery delivery);

struct DeliveryContext
{
    std::optional<DeviceOwner> owner; // std::nullopt: none found (without root, other users' fds are unreadable)
    PostingFacts facts;
};

struct DeliveryVerdict
{
    ObservedDelivery mode = ObservedDelivery::Unknown;
    std::string reason;
};

// `irte`: the latest kvm_pi_irte_update event for the vector's host IRQ since tracing started (none when not
// traced or unchanged since). `countMoving`: its host count moved over the last interval (std::nullopt before the
// second sample).
DeliveryVerdict decideDelivery(const DeliveryContext& context, VectorId vector, const std::optional<IrteEvent>& irte,
                               std::optional<bool> countMoving);

} // namespace irqscope::core

// EngineStatsSource: the production StatsSource, reading straight from the Engine.
#include "stats/stats_source.h"

#include "vfio/irq_device.h"

namespace irqscope::core {

EngineStatsSource::EngineStatsSource(Engine& engine)
    : m_engine(engine)
    , m_deviceId(engine.device().info().id)
{}

} // namespace irqscope::core

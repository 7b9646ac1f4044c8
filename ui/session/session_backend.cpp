// What every session mode shares: the answers of a mode that has no engine.
#include "session/session_backend.h"

#include <cerrno>

namespace irqscope::ui {

QString SessionBackend::start(const EngineSettings&, const std::vector<core::VectorRange>&,
                              const std::vector<core::VectorRange>&)
{
    return QStringLiteral("no device is open");
}

void SessionBackend::post(const core::Command&, const QString& what)
{
    m_events.commandFinished(what, ESHUTDOWN, QStringLiteral("the engine is not running: press Start first"));
}

void SessionBackend::resetStatistics()
{
    core::Command c;
    c.kind = core::CommandKind::ResetStats;
    post(c, QStringLiteral("reset statistics"));
}

const core::DeviceProfile& SessionBackend::profile() const
{
    static const core::DeviceProfile kNone;
    return kNone;
}

const EngineSettings& SessionBackend::settings() const
{
    static const EngineSettings kDefaults;
    return kDefaults;
}

const core::DeviceOwner& SessionBackend::owner() const
{
    static const core::DeviceOwner kNone;
    return kNone;
}

} // namespace irqscope::ui

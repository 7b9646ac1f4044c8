// DeviceLoss: remembers the first device access that failed with ENODEV, vfio-pci's answer once the device was
// removed or reclaimed under us. The parts of the core thread note every failed access here; the loop looks once
// per iteration and ends the run (CoreThread::hostTookDevice). Core thread only; plain state, no lock.
#pragma once

#include <cerrno>

namespace irqscope::core {

class DeviceLoss
{
public:
    // `rc`: 0 or -errno of a device access; `what`: a string literal naming it ("a trigger").
    void note(int rc, const char* what)
    {
        if (rc == -ENODEV && !m_what)
            m_what = what;
    }
    bool noticed() const { return m_what != nullptr; }
    const char* what() const { return m_what; }

private:
    const char* m_what = nullptr;
};

} // namespace irqscope::core

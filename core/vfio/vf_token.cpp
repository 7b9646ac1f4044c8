// The VF token: UUID syntax, the device name carrying it, and the kernel's refusals turned into one line each
// (docs/kernel-vfio-irq.md §1.8).
#include "vfio/vf_token.h"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>

namespace irqscope::core {

bool isCanonicalUuid(const std::string& text)
{
    // uuid_parse() (lib/uuid.c) wants exactly 36 characters: hex digits with dashes at 8, 13, 18 and 23.
    if (text.size() != 36)
        return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i])))
            return false;
    }
    return true;
}

std::string vfTokenUsageError(const std::string& token)
{
    if (token.empty() || isCanonicalUuid(token))
        return {};
    return fmt::format("--vf-token: '{}' is not a UUID: give the VF token as 8-4-4-4-12 hex digits, such as "
                       "bd8d9d2b-5a5f-4f5a-a211-f591514ba1f3",
                       token);
}

std::string vfioDeviceName(const std::string& bdf, const std::string& vfToken)
{
    return vfToken.empty() ? bdf : fmt::format("{} vf_token={}", bdf, vfToken);
}

std::string vfTokenOpenError(int err, const VfTokenSituation& s)
{
    const bool isVf = !s.physicalFunction.empty();
    const bool pfIsVfio = isVf && s.pfDriver == "vfio-pci";
    if (err == EACCES && pfIsVfio && !s.tokenGiven)
        return fmt::format("VF {} belongs to PF {}, which is bound to vfio-pci: pass --vf-token UUID, the VF token "
                           "the PF's owner set (VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, or vf_token= when it opened the PF)",
                           s.bdf, s.physicalFunction);
    if (err == EACCES && pfIsVfio)
        return fmt::format("wrong VF token for VF {} (PF {} is owned by vfio-pci): pass the UUID the PF's owner set "
                           "(VFIO_DEVICE_FEATURE_PCI_VF_TOKEN)",
                           s.bdf, s.physicalFunction);
    if (err == EINVAL && s.tokenGiven && isVf && !pfIsVfio)
        return fmt::format("VF {} needs no VF token: its PF {} is {}, not vfio-pci; drop --vf-token", s.bdf,
                           s.physicalFunction,
                           s.pfDriver.empty() ? std::string("bound to no driver") : "bound to " + s.pfDriver);
    if (err == EINVAL && s.tokenGiven && !isVf && !s.isPf)
        return fmt::format("{} is neither an SR-IOV VF nor a PF, so it takes no VF token: drop --vf-token", s.bdf);
    // A PF bound to vfio-pci whose VFs are open needs their token too (the token then proves collaboration).
    if (err == EACCES && s.isPf && !s.tokenGiven)
        return fmt::format("PF {} has VFs in use: pass --vf-token with the VF token they were opened with", s.bdf);
    if (err == EACCES && s.isPf)
        return fmt::format("wrong VF token for PF {}: its VFs are in use under another token; pass that UUID with "
                           "--vf-token",
                           s.bdf);
    return {};
}

} // namespace irqscope::core

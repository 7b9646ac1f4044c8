// The SR-IOV VF token: the UUID a VF of a PF bound to vfio-pci must be opened with (docs/kernel-vfio-irq.md §1.8).
// Checking one, naming a device with one, and the one-line error when the kernel refuses an open because of it.
#pragma once

#include <string>

namespace irqscope::core {

// True for a UUID in the canonical 8-4-4-4-12 hex form the kernel's uuid_parse() takes ("bd8d9d2b-5a5f-...").
bool isCanonicalUuid(const std::string& text);

// "" when `token` is empty or a canonical UUID; else the one-line usage error ("--vf-token: ...").
std::string vfTokenUsageError(const std::string& token);

// The name VFIO_GROUP_GET_DEVICE_FD is given: the BDF alone, or "BDF vf_token=UUID" (vfio_pci_core_match).
std::string vfioDeviceName(const std::string& bdf, const std::string& vfToken);

// What sysfs says about a device's SR-IOV role, and whether a token was given: everything the error needs.
struct VfTokenSituation
{
    std::string bdf;
    std::string physicalFunction; // the PF's BDF when the device is a VF (its `physfn` link), else ""
    std::string pfDriver;         // the PF's driver ("" when unbound or not a VF)
    bool isPf = false;            // the device has SR-IOV capability (sriov_totalvfs present)
    bool tokenGiven = false;
};

// The one-line error, saying what to do, for VFIO_GROUP_GET_DEVICE_FD failing with `err` when the VF token
// explains it (vfio_pci_validate_vf_token: EACCES for a missing or wrong token, EINVAL for a token nothing uses);
// "" when it does not, so the caller falls back to its generic text.
std::string vfTokenOpenError(int err, const VfTokenSituation& situation);

} // namespace irqscope::core

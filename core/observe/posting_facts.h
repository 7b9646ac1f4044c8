// What the host exposes about posted interrupts (docs/observer.md "Delivery"): KVM's module parameters and the
// IOMMUs' posted-interrupt capability in sysfs. Read once: the parameters are read-only (0444) and the IOMMUs'
// registers fixed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace irqscope::core {

struct PostingFacts
{
    bool kvmLoaded = false;                      // /sys/module/kvm exists
    std::optional<bool> apicv;                   // kvm_intel enable_apicv (absent: kvm_intel not loaded)
    std::optional<bool> avic;                    // kvm_amd avic (absent: kvm_amd not loaded)
    std::optional<bool> devicePostedIrqs;        // enable_device_posted_irqs of kvm (6.16) or kvm_intel / kvm_amd
    std::string devicePostedIrqsModule;          // which module had it
    bool iommuClassReadable = false;             // /sys/class/iommu exists
    int intelIommus = 0, intelIommusWithPi = 0;  // dmar*: cap register bit 59 (PI)
    int amdIommus = 0, amdIommusWithGaVapic = 0; // ivhd*: extended features GA (bit 7) and GAM_VAPIC (bit 21)
};

// "Y"/"N" (bool module parameters) or "1"/"0"; std::nullopt otherwise.
std::optional<bool> parseModuleBool(std::string_view text);
// The Intel VT-d capability register (intel-iommu/cap, hex) has Posted Interrupts support (bit 59).
bool intelCapHasPostedInterrupts(std::string_view capHex);
// The AMD IOMMU extended features (amd-iommu/features: "EFR" or, since 6.0, "EFR:EFR2", hex) have both GA
// (bit 7) and GAM_VAPIC (bit 21): the guest virtual APIC mode KVM posts through.
bool amdFeaturesHaveGuestVapic(std::string_view features);

// Reads the facts under `sysRoot` (tests point it at a fake tree).
PostingFacts readPostingFacts(const std::string& sysRoot = "/sys");

// Why this host cannot post device interrupts to a vCPU, one line; std::nullopt when it can, or when the facts
// do not tell (see canPost).
std::optional<std::string> whyNoPosting(const PostingFacts& facts);
// The host is able to post (KVM says so from 6.16, or APICv/AVIC is on and every IOMMU has the capability).
bool canPost(const PostingFacts& facts);

// One line for reports: "kvm_intel enable_apicv=Y, VT-d posted interrupts on 2 of 2 IOMMUs, ...".
std::string postingFactsText(const PostingFacts& facts);

} // namespace irqscope::core

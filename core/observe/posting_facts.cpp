// Posted-interrupt facts from /sys/module and /sys/class/iommu (docs/observer.md "Delivery", with the kernel
// sources: KVM's kvm_arch_has_irq_bypass, the VT-d cap_pi_support bit, AMD's FEATURE_GA and FEATURE_GAM_VAPIC).
#include "observe/posting_facts.h"

#include "base/file_text.h"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>

namespace irqscope::core {

namespace fs = std::filesystem;

namespace {

std::optional<uint64_t> parseHex(std::string_view text)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.remove_suffix(1);
    if (text.starts_with("0x"))
        text.remove_prefix(2);
    uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty())
        return std::nullopt;
    return value;
}

std::optional<bool> moduleParam(const std::string& sysRoot, const std::string& module, const std::string& param)
{
    const auto text = readFirstLine(sysRoot + "/module/" + module + "/parameters/" + param);
    return text ? parseModuleBool(*text) : std::nullopt;
}

} // namespace

std::optional<bool> parseModuleBool(std::string_view text)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.remove_suffix(1);
    if (text == "Y" || text == "1")
        return true;
    if (text == "N" || text == "0")
        return false;
    return std::nullopt;
}

bool intelCapHasPostedInterrupts(std::string_view capHex)
{
    const auto cap = parseHex(capHex);
    return cap && ((*cap >> 59) & 1);
}

bool amdFeaturesHaveGuestVapic(std::string_view features)
{
    const auto efr = parseHex(features.substr(0, features.find(':')));
    constexpr uint64_t kGa = uint64_t{1} << 7;
    constexpr uint64_t kGamVapic = uint64_t{1} << 21;
    return efr && (*efr & kGa) && (*efr & kGamVapic);
}

PostingFacts readPostingFacts(const std::string& sysRoot)
{
    PostingFacts f;
    std::error_code ec;
    f.kvmLoaded = fs::exists(sysRoot + "/module/kvm", ec);
    f.apicv = moduleParam(sysRoot, "kvm_intel", "enable_apicv");
    f.avic = moduleParam(sysRoot, "kvm_amd", "avic");
    // 6.16 added it to kvm (x86.c); later kernels may keep it in the vendor modules.
    for (const char* module : {"kvm", "kvm_intel", "kvm_amd"}) {
        if (auto v = moduleParam(sysRoot, module, "enable_device_posted_irqs")) {
            f.devicePostedIrqs = v;
            f.devicePostedIrqsModule = module;
            break;
        }
    }
    const fs::path iommus = fs::path(sysRoot) / "class/iommu";
    f.iommuClassReadable = fs::is_directory(iommus, ec);
    for (const auto& entry : fs::directory_iterator(iommus, ec)) {
        if (const auto cap = readFirstLine((entry.path() / "intel-iommu/cap").string())) {
            ++f.intelIommus;
            f.intelIommusWithPi += intelCapHasPostedInterrupts(*cap);
        } else if (const auto features = readFirstLine((entry.path() / "amd-iommu/features").string())) {
            ++f.amdIommus;
            f.amdIommusWithGaVapic += amdFeaturesHaveGuestVapic(*features);
        }
    }
    return f;
}

std::optional<std::string> whyNoPosting(const PostingFacts& f)
{
    if (f.devicePostedIrqs == false)
        return fmt::format("{} enable_device_posted_irqs=N: KVM posts no device interrupt", f.devicePostedIrqsModule);
    if (f.devicePostedIrqs == true)
        return std::nullopt; // KVM computed it from APICv/AVIC and the IOMMU's posting capability
    if (!f.kvmLoaded)
        return std::string("KVM is not loaded: no VM on this host has posted interrupts");
    if (f.apicv == false && f.avic != true)
        return std::string("kvm_intel enable_apicv=N: without APICv KVM posts no device interrupt");
    if (f.avic == false && f.apicv != true)
        return std::string("kvm_amd avic=N: without AVIC KVM posts no device interrupt");
    if (f.iommuClassReadable && f.intelIommus + f.amdIommus == 0)
        return std::string("no remapping IOMMU in /sys/class/iommu: nothing can be posted");
    if (f.intelIommus > 0 && f.intelIommusWithPi < f.intelIommus)
        return fmt::format("VT-d without posted interrupts on {} of {} IOMMUs (cap bit 59 clear)",
                           f.intelIommus - f.intelIommusWithPi, f.intelIommus);
    if (f.amdIommus > 0 && f.amdIommusWithGaVapic < f.amdIommus)
        return fmt::format("AMD-Vi without the guest virtual APIC mode on {} of {} IOMMUs (features GA, GAM_VAPIC)",
                           f.amdIommus - f.amdIommusWithGaVapic, f.amdIommus);
    return std::nullopt;
}

bool canPost(const PostingFacts& f)
{
    if (f.devicePostedIrqs)
        return *f.devicePostedIrqs;
    const bool intel = f.apicv == true && f.intelIommus > 0 && f.intelIommusWithPi == f.intelIommus;
    const bool amd = f.avic == true && f.amdIommus > 0 && f.amdIommusWithGaVapic == f.amdIommus;
    return intel || amd;
}

std::string postingFactsText(const PostingFacts& f)
{
    auto flag = [](const std::optional<bool>& v) {
        return !v ? std::string("absent") : *v ? "Y" : "N";
    };
    std::string out = f.kvmLoaded ? "kvm loaded" : "kvm not loaded";
    out += fmt::format("; kvm_intel enable_apicv={}; kvm_amd avic={}; enable_device_posted_irqs={}{}", flag(f.apicv),
                       flag(f.avic), flag(f.devicePostedIrqs),
                       f.devicePostedIrqsModule.empty() ? "" : " (" + f.devicePostedIrqsModule + ")");
    if (!f.iommuClassReadable)
        out += "; /sys/class/iommu not readable";
    else
        out += fmt::format("; VT-d PI on {} of {} IOMMUs; AMD-Vi GA+vAPIC on {} of {} IOMMUs", f.intelIommusWithPi,
                           f.intelIommus, f.amdIommusWithGaVapic, f.amdIommus);
    return out;
}

} // namespace irqscope::core

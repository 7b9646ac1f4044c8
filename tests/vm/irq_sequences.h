// One table of VFIO_DEVICE_SET_IRQS sequences (docs/guest-tests.md §7 as runnable rows), with the runner that
// plays it against any IrqDevice: the real vfio-pci in the guest and SimDevice with the matching kernel model,
// row by row. Header-only: the host unit tests (tests/core) and the guest tests share it.
#pragma once

#include "sim/sim_config.h"
#include "vfio/irq_device.h"
#include "vfio/irq_set_request.h"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <sys/eventfd.h>
#include <unistd.h>
#include <vector>

namespace irqscope::vmtest {

using namespace irqscope::core;

// The QEMU devices of the guest (docs/guest-tests.md §6).
enum class DeviceKind
{
    Edu,    // 1234:11e8: INTx, 1 MSI, no MSI-X, conventional PCI (no ERR)
    E1000e, // 8086:10d3: INTx, 1 MSI, 5 MSI-X, PCIe
    Xhci,   // 1033:0194 nec-usb-xhci,msix=off: INTx, 16 MSI (multi-MSI), PCIe
    Igb,    // 8086:10c9 igb (82576 PF) on a PCIe root port: INTx, 1 MSI, 10 MSI-X, SR-IOV with up to 8 VFs
    IgbVf,  // 8086:10ca, an igb VF: no INTx, no MSI, 3 MSI-X
};

inline const char* deviceKindName(DeviceKind kind)
{
    switch (kind) {
    case DeviceKind::Edu:
        return "edu";
    case DeviceKind::E1000e:
        return "e1000e";
    case DeviceKind::Xhci:
        return "nec-xhci";
    case DeviceKind::Igb:
        return "igb";
    case DeviceKind::IgbVf:
        return "igbvf";
    }
    return "?";
}

inline std::pair<uint16_t, uint16_t> pciIds(DeviceKind kind)
{
    switch (kind) {
    case DeviceKind::Edu:
        return {0x1234, 0x11e8};
    case DeviceKind::E1000e:
        return {0x8086, 0x10d3};
    case DeviceKind::Xhci:
        return {0x1033, 0x0194};
    case DeviceKind::Igb:
        return {0x8086, 0x10c9};
    case DeviceKind::IgbVf:
        return {0x8086, 0x10ca};
    }
    return {0, 0};
}

// The SimDevice shape that matches each QEMU device.
inline SimConfig simConfigFor(DeviceKind kind, SimKernel kernel, bool interruptRemapping)
{
    SimConfig c;
    c.kernel = kernel;
    c.interruptRemapping = interruptRemapping;
    c.intx = kind != DeviceKind::IgbVf; // a VF has no INTx
    c.msiVectors = kind == DeviceKind::Xhci ? 16 : kind == DeviceKind::IgbVf ? 0 : 1;
    c.msixVectors = kind == DeviceKind::E1000e ? 5 : kind == DeviceKind::Igb ? 10 : kind == DeviceKind::IgbVf ? 3 : 0;
    c.pcie = kind != DeviceKind::Edu;
    return c;
}

constexpr int kNoFd = -1;    // fd -1 in DATA_EVENTFD
constexpr int kBadFd = 9999; // a number that is no open fd: eventfd_ctx_fdget gives -EBADF
constexpr std::size_t kEventfds = 3;

struct Step
{
    enum class Op
    {
        Info,     // GET_IRQ_INFO(index)
        Trigger,  // DATA_EVENTFD|ACTION_TRIGGER, fds = eventfd slots (or kNoFd / kBadFd)
        UnmaskFd, // DATA_EVENTFD|ACTION_UNMASK
        MaskFd,   // DATA_EVENTFD|ACTION_MASK
        Disable,  // DATA_NONE|ACTION_TRIGGER count 0
        Loopback, // DATA_NONE|ACTION_TRIGGER [start, start+count)
        Bool,     // DATA_BOOL|ACTION_TRIGGER
        Mask,     // DATA_NONE|ACTION_MASK
        Unmask,   // DATA_NONE|ACTION_UNMASK
        Raw,      // flags/index/start/count/argsz as given, no payload
    };
    Op op;
    uint32_t index;
    uint32_t start = 0;
    uint32_t count = 1;
    std::vector<int> fds = {};
    std::vector<uint8_t> bools = {};
    uint32_t flags = 0;
    int64_t argsz = -1;
    // Expected results (docs/guest-tests.md §7); the 6.12 and no-remapping columns where they differ.
    int rc = 0;
    std::optional<int> rc612 = std::nullopt;
    std::optional<int> rcNoRemap = std::nullopt;
    uint32_t signalled = 0; // bit i: eventfd slot i signalled by this step
    const char* what = "";

    int expectedRc(SimKernel kernel, bool remap) const
    {
        if (!remap && rcNoRemap)
            return *rcNoRemap;
        if (kernel == SimKernel::Linux6_12 && rc612)
            return *rc612;
        return rc;
    }
};

struct Sequence
{
    const char* name;
    DeviceKind device;
    std::vector<Step> steps;
};

struct StepResult
{
    int rc = 0;
    uint32_t signalled = 0;
    uint32_t infoCount = 0; // Info steps only
    uint32_t infoFlags = 0;

    friend bool operator==(const StepResult&, const StepResult&) = default;
};

inline std::string formatResult(const StepResult& r)
{
    std::string out = r.rc < 0 ? fmt::format("-{}", r.rc == -EINVAL   ? "EINVAL"
                                                    : r.rc == -ENOTTY ? "ENOTTY"
                                                    : r.rc == -EBADF  ? "EBADF"
                                                                      : std::to_string(-r.rc))
                               : std::to_string(r.rc);
    if (r.signalled)
        out += fmt::format(" sig={:#x}", r.signalled);
    if (r.infoCount || r.infoFlags)
        out += fmt::format(" count={} flags={:#x}", r.infoCount, r.infoFlags);
    return out;
}

// The table. Every sequence starts from a freshly opened device with every index disabled.
inline std::vector<Sequence> irqSequences()
{
    using O = Step::Op;
    constexpr uint32_t kIntx = VFIO_PCI_INTX_IRQ_INDEX, kMsi = VFIO_PCI_MSI_IRQ_INDEX, kMsix = VFIO_PCI_MSIX_IRQ_INDEX,
                       kErr = VFIO_PCI_ERR_IRQ_INDEX, kReq = VFIO_PCI_REQ_IRQ_INDEX;
    constexpr int EINVAL_ = -EINVAL, ENOTTY_ = -ENOTTY;
    std::vector<Sequence> t;
    t.push_back({"intx",
                 DeviceKind::Edu,
                 {
                     {.op = O::Trigger, .index = kIntx, .start = 1, .fds = {0}, .rc = EINVAL_, .what = "start=1"},
                     {.op = O::Trigger, .index = kIntx, .fds = {0, kNoFd}, .rc = EINVAL_, .what = "count=2"},
                     {.op = O::Loopback, .index = kIntx, .rc = EINVAL_, .what = "loopback before enable"},
                     {.op = O::Unmask, .index = kIntx, .rc = EINVAL_, .what = "unmask before enable"},
                     {.op = O::Trigger, .index = kIntx, .fds = {0}, .what = "enable"},
                     {.op = O::Loopback, .index = kIntx, .start = 1, .rc = EINVAL_, .what = "loopback start=1"},
                     {.op = O::Loopback, .index = kIntx, .count = 2, .rc = EINVAL_, .what = "loopback count=2"},
                     {.op = O::Loopback, .index = kIntx, .signalled = 1, .what = "loopback"},
                     {.op = O::Bool, .index = kIntx, .count = 2, .bools = {0, 1}, .rc = EINVAL_, .what = "bool {0,1}"},
                     {.op = O::Bool, .index = kIntx, .bools = {1}, .signalled = 1, .what = "bool {1}"},
                     {.op = O::Bool, .index = kIntx, .bools = {0}, .what = "bool {0}"},
                     {.op = O::Mask, .index = kIntx, .what = "mask"},
                     {.op = O::Unmask, .index = kIntx, .what = "unmask"},
                     {.op = O::MaskFd, .index = kIntx, .fds = {1}, .rc = ENOTTY_, .what = "mask eventfd"},
                     {.op = O::UnmaskFd, .index = kIntx, .fds = {1}, .what = "unmask eventfd"},
                     {.op = O::UnmaskFd, .index = kIntx, .fds = {kNoFd}, .what = "unmask eventfd -1"},
                     {.op = O::Trigger, .index = kIntx, .fds = {1}, .what = "swap trigger"},
                     {.op = O::Loopback, .index = kIntx, .signalled = 2, .what = "loopback on the new fd"},
                     {.op = O::Trigger, .index = kIntx, .fds = {kNoFd}, .what = "trigger fd -1"},
                     {.op = O::Loopback, .index = kIntx, .what = "loopback, NULL trigger"},
                     {.op = O::Trigger, .index = kMsi, .fds = {0}, .rc = EINVAL_, .what = "MSI while INTx"},
                     {.op = O::Disable, .index = kIntx, .what = "disable"},
                     {.op = O::Disable, .index = kIntx, .rc = EINVAL_, .what = "disable again"},
                 }});
    t.push_back({"msi",
                 DeviceKind::Edu,
                 {
                     {.op = O::Trigger, .index = kMsi, .fds = {0}, .what = "enable"},
                     {.op = O::Loopback, .index = kMsi, .start = 1, .rc = EINVAL_, .what = "start >= count"},
                     {.op = O::Bool, .index = kMsi, .count = 2, .bools = {0, 1}, .rc = EINVAL_, .what = "bool x2"},
                     {.op = O::Bool, .index = kMsi, .bools = {1}, .signalled = 1, .what = "bool {1}"},
                     {.op = O::Bool, .index = kMsi, .bools = {0}, .what = "bool {0}"},
                     {.op = O::Mask, .index = kMsi, .rc = ENOTTY_, .what = "mask"},
                     {.op = O::Unmask, .index = kMsi, .rc = ENOTTY_, .what = "unmask"},
                     {.op = O::UnmaskFd, .index = kMsi, .fds = {1}, .rc = ENOTTY_, .what = "unmask eventfd"},
                     {.op = O::Trigger, .index = kIntx, .fds = {1}, .rc = EINVAL_, .what = "INTx while MSI"},
                     {.op = O::Trigger, .index = kMsi, .fds = {kNoFd}, .what = "vector 0 fd -1"},
                     {.op = O::Loopback, .index = kMsi, .what = "loopback, no trigger"},
                     {.op = O::Trigger, .index = kMsi, .fds = {1}, .what = "re-arm"},
                     {.op = O::Loopback, .index = kMsi, .signalled = 2, .what = "loopback"},
                     {.op = O::Disable, .index = kMsi, .what = "disable"},
                     {.op = O::Loopback, .index = kMsi, .rc = EINVAL_, .what = "loopback after disable"},
                     {.op = O::Disable, .index = kMsi, .rc = EINVAL_, .what = "disable again"},
                 }});
    t.push_back({"validation-err-req",
                 DeviceKind::Edu,
                 {
                     {.op = O::Info, .index = kIntx, .what = "info intx"},
                     {.op = O::Info, .index = kMsi, .what = "info msi"},
                     {.op = O::Info, .index = kMsix, .what = "info msix"},
                     {.op = O::Info, .index = kErr, .rc = EINVAL_, .what = "info err (conventional PCI)"},
                     {.op = O::Info, .index = kReq, .what = "info req"},
                     {.op = O::Info, .index = 5, .rc = EINVAL_, .what = "info index 5"},
                     {.op = O::Trigger, .index = kErr, .fds = {0}, .rc = EINVAL_, .what = "err trigger"},
                     {.op = O::Trigger, .index = kReq, .fds = {0}, .what = "req trigger"},
                     {.op = O::Trigger, .index = kReq, .fds = {kNoFd}, .what = "req clear"},
                     {.op = O::Raw,
                      .index = kMsi,
                      .count = 0,
                      .flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
                      .argsz = 8,
                      .rc = EINVAL_,
                      .what = "argsz 8"},
                     {.op = O::Raw,
                      .index = kIntx,
                      .flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER,
                      .rc = EINVAL_,
                      .what = "two data types"},
                     {.op = O::Loopback, .index = 7, .rc = EINVAL_, .what = "index 7"},
                     {.op = O::Trigger, .index = kMsix, .fds = {0}, .rc = EINVAL_, .what = "msix on a 0-count index"},
                     {.op = O::Trigger, .index = kMsi, .fds = {kBadFd}, .rc = -EBADF, .what = "bad fd"},
                     {.op = O::Loopback, .index = kMsi, .rc = EINVAL_, .what = "nothing left enabled"},
                 }});
    t.push_back(
        {"msix",
         DeviceKind::E1000e,
         {
             {.op = O::Info, .index = kMsix, .what = "info msix"},
             {.op = O::Info, .index = kErr, .what = "info err (PCIe)"},
             {.op = O::Trigger, .index = kMsix, .fds = {0, kNoFd}, .what = "enable 2, v1 -1"},
             {.op = O::Loopback, .index = kMsix, .start = 1, .what = "loopback unconfigured v1"},
             {.op = O::Loopback, .index = kMsix, .count = 2, .signalled = 1, .what = "loopback v0-v1"},
             {.op = O::Loopback, .index = kMsix, .start = 2, .rc = EINVAL_, .rc612 = 0, .what = "start 2"},
             {.op = O::Loopback, .index = kMsix, .start = 5, .rc = EINVAL_, .what = "start = count"},
             {.op = O::Trigger, .index = kMsix, .start = 2, .fds = {1}, .rc = EINVAL_, .rc612 = 0, .what = "set v2"},
             {.op = O::Trigger,
              .index = kMsix,
              .fds = {0, kNoFd, 1, kNoFd},
              .rc = EINVAL_,
              .rc612 = 0,
              .what = "resize 2->4"},
             {.op = O::Mask, .index = kMsix, .rc = ENOTTY_, .what = "mask"},
             {.op = O::Unmask, .index = kMsix, .rc = ENOTTY_, .what = "unmask"},
             {.op = O::Disable, .index = kMsix, .what = "disable"},
             {.op = O::Trigger, .index = kMsix, .fds = {0, 1}, .what = "enable 2"},
             {.op = O::Bool, .index = kMsix, .count = 2, .bools = {0, 1}, .signalled = 2, .what = "bool"},
             {.op = O::Loopback, .index = kMsix, .count = 2, .signalled = 3, .what = "loopback both"},
             {.op = O::Trigger, .index = kErr, .fds = {2}, .what = "err trigger"},
             {.op = O::Trigger, .index = kErr, .fds = {kNoFd}, .what = "err clear"},
             {.op = O::Disable, .index = kMsix, .what = "disable"},
             {.op = O::Disable, .index = kMsix, .rc = EINVAL_, .what = "disable again"},
         }});
    t.push_back({"multi-msi",
                 DeviceKind::Xhci,
                 {
                     {.op = O::Info, .index = kMsi, .what = "info msi"},
                     {.op = O::Trigger, .index = kMsi, .fds = {0, 1}, .rcNoRemap = 1, .what = "enable 2"},
                     {.op = O::Loopback, .index = kMsi, .rcNoRemap = EINVAL_, .signalled = 1, .what = "loopback v0"},
                     {.op = O::Disable, .index = kMsi, .rcNoRemap = EINVAL_, .what = "disable"},
                 }});
    return t;
}

// Plays one sequence on `device`; one result per step.
inline std::vector<StepResult> runSequence(IrqDevice& device, const Sequence& sequence)
{
    std::array<int, kEventfds> efds{};
    for (auto& fd : efds)
        fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    auto request = std::make_unique<IrqSetRequest>();
    std::vector<StepResult> out;
    for (const auto& s : sequence.steps) {
        std::vector<int32_t> fds;
        for (const int slot : s.fds)
            fds.push_back(slot >= 0 && slot < static_cast<int>(kEventfds) ? efds[static_cast<std::size_t>(slot)]
                                                                          : slot);
        StepResult r;
        using O = Step::Op;
        switch (s.op) {
        case O::Info: {
            IrqInfo info;
            r.rc = device.irqInfo(s.index, info);
            if (r.rc == 0) {
                r.infoCount = info.count;
                r.infoFlags = info.flags;
            }
            break;
        }
        case O::Trigger:
            r.rc = device.setIrqs(request->setTriggerEventfds(s.index, s.start, fds));
            break;
        case O::UnmaskFd:
            r.rc = device.setIrqs(request->setUnmaskEventfd(s.index, fds.at(0)));
            break;
        case O::MaskFd:
            r.rc = device.setIrqs(request->raw(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_MASK, s.index, s.start,
                                               static_cast<uint32_t>(fds.size()),
                                               std::as_bytes(std::span<const int32_t>(fds))));
            break;
        case O::Disable:
            r.rc = device.setIrqs(request->disableIndex(s.index));
            break;
        case O::Loopback:
            r.rc = device.setIrqs(request->loopback(s.index, s.start, s.count));
            break;
        case O::Bool:
            r.rc = device.setIrqs(request->raw(VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER, s.index, s.start,
                                               s.count, std::as_bytes(std::span<const uint8_t>(s.bools))));
            break;
        case O::Mask:
            r.rc = device.setIrqs(request->mask(s.index, s.start, s.count));
            break;
        case O::Unmask:
            r.rc = device.setIrqs(request->unmask(s.index, s.start, s.count));
            break;
        case O::Raw:
            r.rc = device.setIrqs(request->raw(s.flags, s.index, s.start, s.count, {}, s.argsz));
            break;
        }
        for (std::size_t i = 0; i < kEventfds; ++i) {
            uint64_t value = 0;
            if (read(efds[i], &value, sizeof value) == static_cast<ssize_t>(sizeof value) && value)
                r.signalled |= 1u << i;
        }
        out.push_back(r);
    }
    for (const int fd : efds)
        close(fd);
    return out;
}

} // namespace irqscope::vmtest

// DeviceProfile: how to make a device raise each of its vectors, and how to acknowledge it, with 32-bit register
// writes (docs/kernel-vfio-irq.md §5). The built-in profiles live in builtin_profiles.cpp; profile_file.h reads and
// writes them as JSON (docs/profiles.md).
#pragma once

#include "base/vector_id.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace irqscope::core {

// One 32-bit register write. The value written is `value`, OR-ed with a per-subindex part:
//   Literal:       nothing
//   BitOfSubindex: 1 << (subindex + shift)      (e.g. e1000e ICS cause bits 20..24 for vectors 0..4)
//   Subindex:      subindex + shift             (e.g. the sim's RAISE_MSIX register takes the vector number)
struct RegisterWrite
{
    enum class Value : uint8_t
    {
        Literal,
        BitOfSubindex,
        Subindex,
    };
    uint32_t region = 0;
    uint64_t offset = 0;
    uint32_t value = 0;
    Value kind = Value::Literal;
    uint32_t shift = 0;

    uint32_t valueFor(uint32_t sub) const
    {
        switch (kind) {
        case Value::BitOfSubindex:
            return value | (sub + shift < 32 ? (1u << (sub + shift)) : 0u);
        case Value::Subindex:
            return value | (sub + shift);
        case Value::Literal:
            break;
        }
        return value;
    }

    friend bool operator==(const RegisterWrite&, const RegisterWrite&) = default;
};

struct IndexRecipe
{
    bool deviceRaise = false;         // the profile knows how to raise vectors of this index
    uint32_t maxSubindex = 0;         // recipes apply to subindexes [0, maxSubindex)
    std::vector<RegisterWrite> raise; // written in order to raise subindex s
    std::vector<RegisterWrite> ack;   // written in order after a completion, before any UNMASK (INTx)

    friend bool operator==(const IndexRecipe&, const IndexRecipe&) = default;
};

struct DeviceProfile
{
    std::string name; // "sim", "edu", ...
    std::string description;
    uint32_t vendor = 0; // PCI ids this profile matches (0: any)
    uint32_t device = 0;
    std::vector<RegisterWrite> setup;    // after arming an index: enable the device's interrupt sources
    std::vector<RegisterWrite> teardown; // before disarming
    std::array<IndexRecipe, kNumPciIrqIndexes> indexes{};

    const IndexRecipe& recipe(IrqIndex index) const { return indexes[static_cast<uint32_t>(index)]; }
    bool canRaise(VectorId id) const
    {
        const auto& r = recipe(id.index);
        return r.deviceRaise && id.sub < r.maxSubindex;
    }
    // Whether it can raise at least one vector of some index ("device" is a trigger mode it offers).
    bool raisesAny() const
    {
        for (const auto& r : indexes)
            if (r.deviceRaise && r.maxSubindex > 0)
                return true;
        return false;
    }

    friend bool operator==(const DeviceProfile&, const DeviceProfile&) = default;
};

// The profile of the simulated device (its BAR0 register map: sim_config.h).
const DeviceProfile& simProfile();
// Loopback only: no register writes; used for devices no profile describes.
const DeviceProfile& genericProfile();
// The built-in profiles of real devices (edu, e1000e, igb, igbvf), also shipped as resources/profiles/*.json.
const std::vector<DeviceProfile>& builtinProfiles();
// The built-in profile matching these PCI ids, else genericProfile().
const DeviceProfile& profileFor(uint32_t vendor, uint32_t device);
// A built-in profile by name ("sim", "generic", "edu", "e1000e", "igb", "igbvf"); nullptr when none has that name.
const DeviceProfile* builtinProfile(const std::string& name);

} // namespace irqscope::core

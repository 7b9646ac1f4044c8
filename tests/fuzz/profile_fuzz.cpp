// Fuzzes the device-profile parser (core/profile, docs/profiles.md) with arbitrary text. Invariants: no crash or
// sanitizer report; a rejected document gets a one-line error; an accepted profile survives
// formatProfile -> parseProfile unchanged, and formatting is stable.
#include "fuzz_check.h"
#include "profile/profile_file.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace irqscope::core;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string error;
    const auto profile = parseProfile(text, error);
    if (!profile) {
        FUZZ_CHECK(irqscope::fuzz::oneLine(error), "error \"%s\"", error.c_str());
        return 0;
    }
    const std::string formatted = formatProfile(*profile);
    std::string again;
    const auto reparsed = parseProfile(formatted, again);
    FUZZ_CHECK(reparsed.has_value(), "the formatted profile does not parse: %s\n%s", again.c_str(), formatted.c_str());
    FUZZ_CHECK(*reparsed == *profile, "round trip changed the profile:\n%s", formatted.c_str());
    FUZZ_CHECK(formatProfile(*reparsed) == formatted, "formatting is not stable");
    // What the engine does with a profile: ask whether it can raise a vector, and compute each write's value.
    for (uint32_t i = 0; i < kNumPciIrqIndexes; ++i) {
        const auto& recipe = profile->indexes[i];
        for (uint32_t sub : {0u, 1u, 31u, 32u, recipe.maxSubindex, UINT32_MAX}) {
            (void)profile->canRaise({static_cast<IrqIndex>(i), sub});
            for (const auto& w : recipe.raise)
                (void)w.valueFor(sub);
        }
    }
    return 0;
}

// Device profile files: the versioned JSON format of docs/profiles.md ("irqscope_profile": 1), read into and
// written from the in-memory DeviceProfile.
#pragma once

#include "profile/device_profile.h"

#include <optional>
#include <string>
#include <string_view>

namespace irqscope::core {

inline constexpr int kProfileFormatVersion = 1;

// Parses a profile document. On failure returns std::nullopt and sets `error` to one line naming the line and
// column (syntax errors) or the JSON path of the field (e.g. "/indexes/msix/raise/0/offset") and what is wrong.
std::optional<DeviceProfile> parseProfile(std::string_view text, std::string& error);

// Reads and parses a profile file; `error` starts with the path.
std::optional<DeviceProfile> loadProfileFile(const std::string& path, std::string& error);

// The profile as a JSON document in the canonical layout of resources/profiles/*.json (2-space indent, hex
// offsets and values), so that parseProfile(formatProfile(p)) == p.
std::string formatProfile(const DeviceProfile& profile);

} // namespace irqscope::core

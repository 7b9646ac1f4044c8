// Reading and writing device profile files (docs/profiles.md) with nlohmann-json: strict, every unknown key and
// every out-of-range number is an error that names its field.
#include "profile/profile_file.h"

#include "base/file_text.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace irqscope::core {

namespace {

using nlohmann::json;

// Thrown inside the parser only; turned into the one-line error at the API boundary.
struct FieldError
{
    std::string path;
    std::string message;
};

[[noreturn]] void fail(const std::string& path, std::string message)
{
    throw FieldError{path.empty() ? "/" : path, std::move(message)};
}

constexpr std::array<std::string_view, kNumPciIrqIndexes> kIndexKeys = {"intx", "msi", "msix", "err", "req"};

// A number written as a JSON integer or as a "0x..." / decimal string, at most `max`.
uint64_t number(const json& v, const std::string& path, uint64_t max)
{
    uint64_t out = 0;
    if (v.is_number_unsigned()) {
        out = v.get<uint64_t>();
    } else if (v.is_number_integer()) {
        fail(path, "must not be negative");
    } else if (v.is_string()) {
        const std::string& s = v.get_ref<const std::string&>();
        const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
        const char* first = s.data() + (hex ? 2 : 0);
        const char* last = s.data() + s.size();
        const auto [ptr, ec] = std::from_chars(first, last, out, hex ? 16 : 10);
        if (ec != std::errc{} || ptr != last || first == last)
            fail(path, fmt::format("'{}' is not a number (write 0x1f or 31)", s));
    } else {
        fail(path, "must be a number or a \"0x...\" string");
    }
    if (out > max)
        fail(path, fmt::format("{:#x} is out of range (at most {:#x})", out, max));
    return out;
}

void checkKeys(const json& obj, const std::string& path, std::initializer_list<std::string_view> allowed)
{
    if (!obj.is_object())
        fail(path, "must be an object");
    for (const auto& [key, value] : obj.items()) {
        bool known = false;
        for (const auto a : allowed)
            known = known || key == a;
        if (!known) {
            std::string list;
            for (const auto a : allowed)
                list += fmt::format("{}{}", list.empty() ? "" : ", ", a);
            fail(path + "/" + key, fmt::format("unknown field (expected one of: {})", list));
        }
    }
}

std::string text(const json& obj, const std::string& key, const std::string& path, bool required)
{
    if (!obj.contains(key)) {
        if (required)
            fail(path + "/" + key, "is missing");
        return {};
    }
    const auto& v = obj.at(key);
    if (!v.is_string())
        fail(path + "/" + key, "must be a string");
    return v.get<std::string>();
}

RegisterWrite parseWrite(const json& w, const std::string& path)
{
    checkKeys(w, path, {"region", "offset", "value", "per_vector", "shift"});
    RegisterWrite out;
    if (w.contains("region"))
        out.region = static_cast<uint32_t>(number(w.at("region"), path + "/region", VFIO_PCI_BAR5_REGION_INDEX));
    if (!w.contains("offset"))
        fail(path + "/offset", "is missing");
    out.offset = number(w.at("offset"), path + "/offset", UINT64_MAX);
    if (out.offset % 4)
        fail(path + "/offset", fmt::format("{:#x} is not 4-byte aligned (accesses are 32-bit)", out.offset));
    if (w.contains("value"))
        out.value = static_cast<uint32_t>(number(w.at("value"), path + "/value", UINT32_MAX));
    const std::string per = text(w, "per_vector", path, false);
    if (per.empty() || per == "none")
        out.kind = RegisterWrite::Value::Literal;
    else if (per == "bit")
        out.kind = RegisterWrite::Value::BitOfSubindex;
    else if (per == "number")
        out.kind = RegisterWrite::Value::Subindex;
    else
        fail(path + "/per_vector", fmt::format("'{}' is not one of none, bit, number", per));
    if (w.contains("shift"))
        out.shift = static_cast<uint32_t>(number(w.at("shift"), path + "/shift", 31));
    if (out.kind == RegisterWrite::Value::Literal && out.shift != 0)
        fail(path + "/shift", "only applies with \"per_vector\": \"bit\" or \"number\"");
    if (!w.contains("value") && out.kind == RegisterWrite::Value::Literal)
        fail(path + "/value", "is missing");
    return out;
}

std::vector<RegisterWrite> parseWrites(const json& obj, const std::string& key, const std::string& path)
{
    std::vector<RegisterWrite> out;
    if (!obj.contains(key))
        return out;
    const auto& list = obj.at(key);
    if (!list.is_array())
        fail(path + "/" + key, "must be a list of register writes");
    for (std::size_t i = 0; i < list.size(); ++i)
        out.push_back(parseWrite(list[i], fmt::format("{}/{}/{}", path, key, i)));
    return out;
}

DeviceProfile parseDocument(const json& doc)
{
    checkKeys(doc, "", {"irqscope_profile", "name", "description", "match", "setup", "teardown", "indexes"});
    if (!doc.contains("irqscope_profile"))
        fail("/irqscope_profile", fmt::format("is missing (write \"irqscope_profile\": {})", kProfileFormatVersion));
    const auto version = number(doc.at("irqscope_profile"), "/irqscope_profile", UINT32_MAX);
    if (version != kProfileFormatVersion)
        fail("/irqscope_profile", fmt::format("format version {} is not supported (this irqscope reads version {})",
                                              version, kProfileFormatVersion));
    DeviceProfile p;
    p.name = text(doc, "name", "", true);
    if (p.name.empty())
        fail("/name", "must not be empty");
    p.description = text(doc, "description", "", false);
    if (doc.contains("match")) {
        const auto& m = doc.at("match");
        checkKeys(m, "/match", {"vendor", "device"});
        if (m.contains("vendor"))
            p.vendor = static_cast<uint32_t>(number(m.at("vendor"), "/match/vendor", 0xffff));
        if (m.contains("device"))
            p.device = static_cast<uint32_t>(number(m.at("device"), "/match/device", 0xffff));
    }
    p.setup = parseWrites(doc, "setup", "");
    p.teardown = parseWrites(doc, "teardown", "");
    if (doc.contains("indexes")) {
        const auto& indexes = doc.at("indexes");
        checkKeys(indexes, "/indexes", {"intx", "msi", "msix", "err", "req"});
        for (uint32_t i = 0; i < kNumPciIrqIndexes; ++i) {
            const std::string key(kIndexKeys[i]);
            if (!indexes.contains(key))
                continue;
            const std::string path = "/indexes/" + key;
            const auto& r = indexes.at(key);
            checkKeys(r, path, {"vectors", "raise", "ack"});
            auto& recipe = p.indexes[i];
            if (!r.contains("vectors"))
                fail(path + "/vectors", "is missing (how many vectors the raise recipe covers)");
            recipe.maxSubindex = static_cast<uint32_t>(number(r.at("vectors"), path + "/vectors", kMaxMsixVectors));
            recipe.raise = parseWrites(r, "raise", path);
            recipe.ack = parseWrites(r, "ack", path);
            if (recipe.raise.empty())
                fail(path + "/raise", "is missing or empty: an index entry says how to raise its vectors");
            recipe.deviceRaise = true;
        }
    }
    return p;
}

std::pair<std::size_t, std::size_t> lineAndColumn(std::string_view text, std::size_t byte)
{
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return {line, column};
}

std::string hex(uint64_t v)
{
    return fmt::format("{:#x}", v);
}

nlohmann::ordered_json writeJson(const RegisterWrite& w)
{
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    out["region"] = w.region;
    out["offset"] = hex(w.offset);
    out["value"] = hex(w.value);
    if (w.kind != RegisterWrite::Value::Literal) {
        out["per_vector"] = w.kind == RegisterWrite::Value::BitOfSubindex ? "bit" : "number";
        out["shift"] = w.shift;
    }
    return out;
}

nlohmann::ordered_json writesJson(const std::vector<RegisterWrite>& writes)
{
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& w : writes)
        out.push_back(writeJson(w));
    return out;
}

} // namespace

std::optional<DeviceProfile> parseProfile(std::string_view text, std::string& error)
{
    json doc;
    try {
        doc = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        const auto [line, column] = lineAndColumn(text, e.byte);
        std::string what = e.what();
        // nlohmann's message is "[json.exception.parse_error.101] parse error at line L, column C: <reason>".
        if (const auto colon = what.find(": "); colon != std::string::npos)
            what = what.substr(colon + 2);
        error = fmt::format("line {} column {}: {}", line, column, what);
        return std::nullopt;
    } catch (const json::exception& e) {
        // Not a syntax error but a value the parser cannot hold, e.g. 2e1000 ("number overflow parsing '2e1000'").
        std::string what = e.what();
        if (const auto bracket = what.find("] "); bracket != std::string::npos)
            what = what.substr(bracket + 2);
        error = what;
        return std::nullopt;
    }
    try {
        return parseDocument(doc);
    } catch (const FieldError& e) {
        error = fmt::format("{}: {}", e.path, e.message);
    } catch (const json::exception& e) {
        error = e.what();
    }
    return std::nullopt;
}

std::optional<DeviceProfile> loadProfileFile(const std::string& path, std::string& error)
{
    const auto text = readWholeFile(path); // errno stays the open's when it fails
    if (!text) {
        error = fmt::format("cannot read profile {}: {}", path, std::strerror(errno));
        return std::nullopt;
    }
    std::string detail;
    auto profile = parseProfile(*text, detail);
    if (!profile)
        error = fmt::format("malformed profile {}: {} (format: docs/profiles.md)", path, detail);
    return profile;
}

std::string formatProfile(const DeviceProfile& p)
{
    // nlohmann's ordered_json keeps the documented key order; the plain json sorts keys.
    nlohmann::ordered_json doc;
    doc["irqscope_profile"] = kProfileFormatVersion;
    doc["name"] = p.name;
    doc["description"] = p.description;
    if (p.vendor || p.device)
        doc["match"] = {{"vendor", fmt::format("{:#06x}", p.vendor)}, {"device", fmt::format("{:#06x}", p.device)}};
    doc["setup"] = writesJson(p.setup);
    doc["teardown"] = writesJson(p.teardown);
    nlohmann::ordered_json indexes = nlohmann::ordered_json::object();
    for (uint32_t i = 0; i < kNumPciIrqIndexes; ++i) {
        const auto& r = p.indexes[i];
        if (!r.deviceRaise)
            continue;
        nlohmann::ordered_json entry;
        entry["vectors"] = r.maxSubindex;
        entry["raise"] = writesJson(r.raise);
        entry["ack"] = writesJson(r.ack);
        indexes[std::string(kIndexKeys[i])] = entry;
    }
    doc["indexes"] = indexes;
    return doc.dump(2) + "\n";
}

} // namespace irqscope::core

// Device profile files: the format round-trips, malformed files give one line naming the line or field, and the
// shipped resources/profiles/*.json agree with the built-in profiles.
#include "profile/device_profile.h"
#include "profile/profile_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

using namespace irqscope::core;

namespace {

// resources/profiles in the source tree. The build passes the tree's path: __FILE__ is relative when the
// compiler runs with relative paths (a compiler cache's base directory), and the test would look in the wrong place.
std::filesystem::path profilesDir()
{
    return std::filesystem::path(IRQSCOPE_SOURCE_DIR) / "resources/profiles";
}

std::string parseError(const std::string& text)
{
    std::string error;
    EXPECT_FALSE(parseProfile(text, error).has_value()) << text;
    EXPECT_EQ(error.find('\n'), std::string::npos) << "one line: " << error;
    return error;
}

constexpr const char* kMinimal = R"({
  "irqscope_profile": 1,
  "name": "mine",
  "match": {"vendor": "0x1234", "device": 4584},
  "setup": [{"offset": "0x10", "value": 7}],
  "indexes": {
    "msix": {"vectors": 4, "raise": [{"region": 2, "offset": 8, "per_vector": "number", "shift": 1}]}
  }
})";

} // namespace

TEST(ProfileFile, ParsesTheDocumentedFields)
{
    std::string error;
    const auto p = parseProfile(kMinimal, error);
    ASSERT_TRUE(p) << error;
    EXPECT_EQ(p->name, "mine");
    EXPECT_EQ(p->vendor, 0x1234u);
    EXPECT_EQ(p->device, 4584u);
    ASSERT_EQ(p->setup.size(), 1u);
    EXPECT_EQ(p->setup[0].offset, 0x10u);
    EXPECT_EQ(p->setup[0].value, 7u);
    EXPECT_EQ(p->setup[0].region, 0u) << "region defaults to BAR0";
    const auto& msix = p->recipe(IrqIndex::Msix);
    EXPECT_TRUE(msix.deviceRaise);
    EXPECT_EQ(msix.maxSubindex, 4u);
    ASSERT_EQ(msix.raise.size(), 1u);
    EXPECT_EQ(msix.raise[0].region, 2u);
    EXPECT_EQ(msix.raise[0].valueFor(3), 4u) << "per_vector number: subindex + shift";
    EXPECT_FALSE(p->recipe(IrqIndex::Intx).deviceRaise);
    EXPECT_TRUE(p->canRaise({IrqIndex::Msix, 3}));
    EXPECT_FALSE(p->canRaise({IrqIndex::Msix, 4}));
}

TEST(ProfileFile, RoundTripsEveryBuiltin)
{
    std::vector<DeviceProfile> all = builtinProfiles();
    all.push_back(simProfile());
    all.push_back(genericProfile());
    for (const auto& p : all) {
        std::string error;
        const auto back = parseProfile(formatProfile(p), error);
        ASSERT_TRUE(back) << p.name << ": " << error;
        EXPECT_EQ(*back, p) << p.name;
    }
}

TEST(ProfileFile, ShippedFilesAgreeWithBuiltins)
{
    std::vector<DeviceProfile> expected = builtinProfiles();
    expected.push_back(genericProfile());
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(profilesDir())) {
        if (entry.path().extension() != ".json")
            continue;
        ++files;
        std::string error;
        const auto loaded = loadProfileFile(entry.path().string(), error);
        ASSERT_TRUE(loaded) << error;
        EXPECT_EQ(loaded->name + ".json", entry.path().filename().string());
        const DeviceProfile* builtin = builtinProfile(loaded->name);
        ASSERT_NE(builtin, nullptr) << loaded->name << " has no built-in twin";
        EXPECT_EQ(*loaded, *builtin) << entry.path();
        // Byte for byte: the files are formatProfile's output, so a change to a built-in shows in review.
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        EXPECT_EQ(text.str(), formatProfile(*builtin)) << entry.path() << " is stale: regenerate it";
    }
    EXPECT_EQ(files, expected.size());
}

TEST(ProfileFile, SyntaxErrorsNameLineAndColumn)
{
    const auto error = parseError("{\n  \"irqscope_profile\": 1,\n  \"name\": \"x\"\n  \"setup\": []\n}");
    EXPECT_NE(error.find("line 4"), std::string::npos) << error;
}

TEST(ProfileFile, FieldErrorsNameTheField)
{
    EXPECT_NE(parseError(R"({"irqscope_profile": 1, "name": "x", "setpu": []})").find("/setpu: unknown field"),
              std::string::npos);
    EXPECT_NE(parseError(R"({"name": "x"})").find("/irqscope_profile: is missing"), std::string::npos);
    EXPECT_NE(parseError(R"({"irqscope_profile": 2, "name": "x"})").find("version 2 is not supported"),
              std::string::npos);
    EXPECT_NE(parseError(R"({"irqscope_profile": 1})").find("/name"), std::string::npos);
    const auto misaligned = parseError(R"({"irqscope_profile": 1, "name": "x",
        "indexes": {"msi": {"vectors": 1, "raise": [{"offset": "0x61", "value": 1}]}}})");
    EXPECT_NE(misaligned.find("/indexes/msi/raise/0/offset"), std::string::npos) << misaligned;
    EXPECT_NE(misaligned.find("aligned"), std::string::npos) << misaligned;
    EXPECT_NE(parseError(R"({"irqscope_profile": 1, "name": "x", "setup": [{"offset": 0, "value": "0x1ffffffff"}]})")
                  .find("/setup/0/value"),
              std::string::npos);
    EXPECT_NE(parseError(R"({"irqscope_profile": 1, "name": "x", "setup": [{"offset": 0, "value": "zz"}]})")
                  .find("not a number"),
              std::string::npos);
    EXPECT_NE(
        parseError(R"({"irqscope_profile": 1, "name": "x", "setup": [{"offset": 0, "value": -1}]})").find("negative"),
        std::string::npos);
    EXPECT_NE(parseError(R"({"irqscope_profile": 1, "name": "x", "indexes": {"msi": {"vectors": 1}}})")
                  .find("/indexes/msi/raise"),
              std::string::npos);
    EXPECT_NE(parseError(R"({"irqscope_profile": 1, "name": "x", "indexes": {"msx": {}}})").find("/indexes/msx"),
              std::string::npos);
    EXPECT_NE(parseError(R"({"irqscope_profile": 1, "name": "x", "setup": [{"offset": 0, "value": 1,
        "per_vector": "bits"}]})")
                  .find("/setup/0/per_vector"),
              std::string::npos);
}

TEST(ProfileFile, LoadErrorsStartWithThePath)
{
    std::string error;
    EXPECT_FALSE(loadProfileFile("/nonexistent/p.json", error));
    EXPECT_NE(error.find("/nonexistent/p.json"), std::string::npos);
    const auto path = std::filesystem::temp_directory_path() / "irqscope_profile_test_bad.json";
    std::ofstream(path) << "{ \"irqscope_profile\": 1, \"name\": \"x\", \"indexes\": [] }";
    EXPECT_FALSE(loadProfileFile(path.string(), error));
    EXPECT_NE(error.find(path.string()), std::string::npos) << error;
    EXPECT_NE(error.find("/indexes: must be an object"), std::string::npos) << error;
    std::filesystem::remove(path);
}

TEST(ProfileBuiltins, ProfileForPicksByPciIds)
{
    EXPECT_EQ(profileFor(0x1234, 0x11e8).name, "edu");
    EXPECT_EQ(profileFor(0x8086, 0x10d3).name, "e1000e");
    EXPECT_EQ(profileFor(0x8086, 0x10c9).name, "igb");
    EXPECT_EQ(profileFor(0x8086, 0x10ca).name, "igbvf");
    EXPECT_EQ(profileFor(0x1033, 0x0194).name, "generic");
    EXPECT_EQ(builtinProfile("nope"), nullptr);
    EXPECT_EQ(builtinProfile("sim")->name, "sim");
}

TEST(ProfileBuiltins, E1000eRaisesEachCauseOnItsOwnVector)
{
    const auto& p = profileFor(0x8086, 0x10d3);
    const auto& msix = p.recipe(IrqIndex::Msix);
    ASSERT_EQ(msix.maxSubindex, 5u);
    ASSERT_EQ(msix.raise.size(), 2u);
    for (uint32_t v = 0; v < 5; ++v) {
        EXPECT_EQ(msix.raise[0].offset, 0xd0u) << "IMS is rewritten before each cause (EIAC auto-masks it)";
        EXPECT_EQ(msix.raise[0].valueFor(v), 1u << (20 + v));
        EXPECT_EQ(msix.raise[1].offset, 0xc8u) << "then the cause goes to ICS";
        EXPECT_EQ(msix.raise[1].valueFor(v), 1u << (20 + v));
    }
    // IVAR routes RXQ0, RXQ1, TXQ0, TXQ1, OTHER to vectors 0..4, each nibble valid (0x8) | vector.
    bool ivar = false;
    for (const auto& w : p.setup)
        if (w.offset == 0xe4) {
            ivar = true;
            for (uint32_t cause = 0; cause < 5; ++cause)
                EXPECT_EQ((w.value >> (4 * cause)) & 0xf, 0x8 | cause);
        }
    EXPECT_TRUE(ivar);
}

// The 82576 PF and VF: GPIE goes before EIAC (QEMU's igb_set_eiac ignores EIAC outside MSI-X mode), the raise
// re-enables EIMS before EICS, and the PF's mask writes stay within its 10 vectors: EIMC bits 22-24 and below are
// the VFs' once SR-IOV is on, and the PF's setup or teardown must not mask a VF another process measures
// (docs/profiles.md "igb and igbvf").
TEST(ProfileBuiltins, IgbAndIgbvfRaiseThroughEicsWithinTheirOwnBits)
{
    constexpr uint64_t kGpie = 0x1514, kEics = 0x1520, kEims = 0x1524, kEimc = 0x1528, kEiac = 0x152c;
    for (const auto& [device, vectors] : {std::pair{0x10c9u, 10u}, std::pair{0x10cau, 3u}}) {
        const auto& p = profileFor(0x8086, device);
        const uint32_t own = (1u << vectors) - 1;
        const auto& msix = p.recipe(IrqIndex::Msix);
        ASSERT_EQ(msix.maxSubindex, vectors) << p.name;
        ASSERT_EQ(msix.raise.size(), 2u) << p.name;
        for (uint32_t v = 0; v < vectors; ++v) {
            EXPECT_EQ(msix.raise[0].offset, kEims) << p.name;
            EXPECT_EQ(msix.raise[0].valueFor(v), 1u << v) << p.name;
            EXPECT_EQ(msix.raise[1].offset, kEics) << p.name;
            EXPECT_EQ(msix.raise[1].valueFor(v), 1u << v) << p.name;
        }
        int gpieAt = -1, eiacAt = -1;
        for (std::size_t i = 0; i < p.setup.size(); ++i) {
            const auto& w = p.setup[i];
            if (w.offset == kGpie)
                gpieAt = static_cast<int>(i);
            if (w.offset == kEiac)
                eiacAt = static_cast<int>(i);
            if (w.offset == kEimc || w.offset == kEims || w.offset == kEiac) {
                EXPECT_EQ(w.value, own) << p.name << " setup write to " << std::hex << w.offset;
            }
        }
        for (const auto& w : p.teardown)
            EXPECT_EQ(w.value & ~own, 0u) << p.name << " teardown write to " << std::hex << w.offset;
        EXPECT_GE(eiacAt, 0) << p.name << ": EIAC auto-clear makes every raise a new edge";
        if (device == 0x10c9) {
            EXPECT_GE(gpieAt, 0);
            EXPECT_LT(gpieAt, eiacAt) << "GPIE.Multiple_MSIX before EIAC";
        } else {
            EXPECT_EQ(gpieAt, -1) << "a VF has no GPIE: the PF's driver sets it";
        }
    }
}

// docs/profiles.md "e1000e (Intel 82574)": the causes are masked (IMC) and latched ones cleared (ICR is
// write-1-to-clear) before IMS enables them, so setup itself raises nothing; teardown masks, then resets the MAC,
// which in QEMU stops the EITR timers that would send one more message after the run.
TEST(ProfileBuiltins, E1000eSetupClearsLatchedCausesBeforeEnablingThem)
{
    const auto& p = profileFor(0x8086, 0x10d3);
    auto indexOf = [&](uint64_t offset) {
        for (std::size_t i = 0; i < p.setup.size(); ++i)
            if (p.setup[i].offset == offset)
                return static_cast<int>(i);
        return -1;
    };
    const int imc = indexOf(0xd8), icr = indexOf(0xc0), ims = indexOf(0xd0);
    ASSERT_GE(imc, 0);
    ASSERT_GE(icr, 0) << "stale ICR causes would fire as soon as IMS enables them";
    ASSERT_GE(ims, 0);
    EXPECT_LT(imc, icr);
    EXPECT_LT(icr, ims);
    EXPECT_EQ(p.setup[icr].value, 0xffffffffu);
    EXPECT_EQ(p.setup[ims].value, 0x1fu << 20);
    ASSERT_EQ(p.teardown.size(), 2u);
    EXPECT_EQ(p.teardown[0].offset, 0xd8u);
    EXPECT_EQ(p.teardown[1].offset, 0x0u);
    EXPECT_EQ(p.teardown[1].value, 1u << 26) << "CTRL.RST";
}

TEST(ProfileBuiltins, EduRaisesAndAcksIntxAndMsi)
{
    const auto& p = profileFor(0x1234, 0x11e8);
    for (const auto index : {IrqIndex::Intx, IrqIndex::Msi}) {
        const auto& r = p.recipe(index);
        EXPECT_TRUE(r.deviceRaise);
        EXPECT_EQ(r.maxSubindex, 1u);
        ASSERT_EQ(r.raise.size(), 1u);
        EXPECT_EQ(r.raise[0].offset, 0x60u);
        ASSERT_EQ(r.ack.size(), 1u);
        EXPECT_EQ(r.ack[0].offset, 0x64u);
    }
    EXPECT_FALSE(p.canRaise({IrqIndex::Msix, 0}));
}

// The VF token (docs/kernel-vfio-irq.md §1.8): UUID syntax, the device name with the token, and every branch of
// the error a refused open maps to.
#include "vfio/vf_token.h"

#include <gtest/gtest.h>

#include <cerrno>

using namespace irqscope::core;

namespace {

constexpr const char* kVfTokenUuid = "bd8d9d2b-5a5f-4f5a-a211-f591514ba1f3";

VfTokenSituation vfTokenVf(const std::string& pfDriver, bool tokenGiven)
{
    return {"0000:00:10.0", "0000:00:02.0", pfDriver, false, tokenGiven};
}

void expectVfTokenOneLine(const std::string& text)
{
    EXPECT_FALSE(text.empty());
    EXPECT_EQ(text.find('\n'), std::string::npos) << text;
}

} // namespace

TEST(VfToken, CanonicalUuidOnly)
{
    EXPECT_TRUE(isCanonicalUuid(kVfTokenUuid));
    EXPECT_TRUE(isCanonicalUuid("BD8D9D2B-5A5F-4F5A-A211-F591514BA1F3")) << "uuid_parse takes either case";
    EXPECT_TRUE(isCanonicalUuid("00000000-0000-0000-0000-000000000000"));
    EXPECT_FALSE(isCanonicalUuid(""));
    EXPECT_FALSE(isCanonicalUuid("bd8d9d2b5a5f4f5aa211f591514ba1f3")) << "no dashes";
    EXPECT_FALSE(isCanonicalUuid("bd8d9d2b-5a5f-4f5a-a211-f591514ba1f")) << "one digit short";
    EXPECT_FALSE(isCanonicalUuid("bd8d9d2b-5a5f-4f5a-a211-f591514ba1f30")) << "one digit long";
    EXPECT_FALSE(isCanonicalUuid("bd8d9d2b-5a5f-4f5a-a211-f591514ba1fg")) << "not hex";
    EXPECT_FALSE(isCanonicalUuid("bd8d9d2b-5a5f4-f5a-a211-f591514ba1f3")) << "dash misplaced";
    EXPECT_FALSE(isCanonicalUuid("{bd8d9d2b-5a5f-4f5a-a211-f591514ba1f3}"));
    EXPECT_FALSE(isCanonicalUuid(" bd8d9d2b-5a5f-4f5a-a211-f591514ba1f3"));
}

TEST(VfToken, UsageErrorIsOneLineNamingTheOption)
{
    EXPECT_EQ(vfTokenUsageError(""), "");
    EXPECT_EQ(vfTokenUsageError(kVfTokenUuid), "");
    const auto error = vfTokenUsageError("not-a-uuid");
    expectVfTokenOneLine(error);
    EXPECT_EQ(error.rfind("--vf-token: 'not-a-uuid'", 0), 0u) << error;
}

TEST(VfToken, DeviceNameCarriesTheToken)
{
    EXPECT_EQ(vfioDeviceName("0000:00:10.0", ""), "0000:00:10.0");
    EXPECT_EQ(vfioDeviceName("0000:00:10.0", kVfTokenUuid), std::string("0000:00:10.0 vf_token=") + kVfTokenUuid);
}

TEST(VfToken, MissingTokenForAVfOfAVfioPf)
{
    const auto error = vfTokenOpenError(EACCES, vfTokenVf("vfio-pci", false));
    expectVfTokenOneLine(error);
    EXPECT_NE(error.find("--vf-token"), std::string::npos) << error;
    EXPECT_NE(error.find("VFIO_DEVICE_FEATURE_PCI_VF_TOKEN"), std::string::npos) << error;
    EXPECT_NE(error.find("0000:00:02.0"), std::string::npos) << error;
}

TEST(VfToken, WrongTokenForAVfOfAVfioPf)
{
    const auto error = vfTokenOpenError(EACCES, vfTokenVf("vfio-pci", true));
    expectVfTokenOneLine(error);
    EXPECT_EQ(error,
              "wrong VF token for VF 0000:00:10.0 (PF 0000:00:02.0 is owned by vfio-pci): pass the UUID the PF's "
              "owner set (VFIO_DEVICE_FEATURE_PCI_VF_TOKEN)");
}

TEST(VfToken, TokenForAVfOfAHostDriverPfSaysDropIt)
{
    const auto error = vfTokenOpenError(EINVAL, vfTokenVf("igb", true));
    expectVfTokenOneLine(error);
    EXPECT_NE(error.find("drop --vf-token"), std::string::npos) << error;
    EXPECT_NE(error.find("bound to igb"), std::string::npos) << error;
    const auto unbound = vfTokenOpenError(EINVAL, vfTokenVf("", true));
    EXPECT_NE(unbound.find("bound to no driver"), std::string::npos) << unbound;
    EXPECT_NE(unbound.find("drop --vf-token"), std::string::npos) << unbound;
}

TEST(VfToken, TokenForADeviceWithoutSriovSaysDropIt)
{
    const auto error = vfTokenOpenError(EINVAL, {"0000:00:04.0", "", "", false, true});
    expectVfTokenOneLine(error);
    EXPECT_NE(error.find("neither an SR-IOV VF nor a PF"), std::string::npos) << error;
    EXPECT_NE(error.find("drop --vf-token"), std::string::npos) << error;
}

TEST(VfToken, PfWithVfsInUse)
{
    const auto missing = vfTokenOpenError(EACCES, {"0000:00:02.0", "", "", true, false});
    expectVfTokenOneLine(missing);
    EXPECT_NE(missing.find("--vf-token"), std::string::npos) << missing;
    EXPECT_NE(missing.find("VFs in use"), std::string::npos) << missing;
    const auto wrong = vfTokenOpenError(EACCES, {"0000:00:02.0", "", "", true, true});
    expectVfTokenOneLine(wrong);
    EXPECT_NE(wrong.find("wrong VF token for PF 0000:00:02.0"), std::string::npos) << wrong;
}

TEST(VfToken, OtherFailuresAreNotTheTokens)
{
    // Left to the generic open errors: nothing here is explained by the token.
    EXPECT_EQ(vfTokenOpenError(EBUSY, vfTokenVf("vfio-pci", true)), "");
    EXPECT_EQ(vfTokenOpenError(EPERM, vfTokenVf("vfio-pci", false)), "");
    EXPECT_EQ(vfTokenOpenError(EACCES, vfTokenVf("igb", false)), "") << "a host-driver PF asks no token";
    EXPECT_EQ(vfTokenOpenError(EINVAL, vfTokenVf("igb", false)), "") << "no token given: not the token's fault";
    EXPECT_EQ(vfTokenOpenError(EINVAL, vfTokenVf("vfio-pci", true)), "");
    EXPECT_EQ(vfTokenOpenError(EINVAL, {"0000:00:02.0", "", "", true, true}), "") << "a vfio-pci PF takes a token";
    EXPECT_EQ(vfTokenOpenError(EACCES, {"0000:00:04.0", "", "", false, false}), "");
    EXPECT_EQ(vfTokenOpenError(ENODEV, {"0000:00:04.0", "", "", false, true}), "");
}

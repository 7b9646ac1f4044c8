#include "basic_auth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>

namespace irqscope::cli {

namespace {

constexpr std::size_t kBcryptLength = 60; // "$2b$10$" + 22 characters of salt + 31 of hash

std::optional<std::string> base64Decode(std::string_view text)
{
    if (text.empty() || text.size() % 4 != 0 || text.size() > 4096)
        return std::nullopt;
    std::string out(text.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    if (n < 0)
        return std::nullopt;
    // EVP_DecodeBlock counts the padding as zero bytes: drop one per '='.
    std::size_t size = static_cast<std::size_t>(n);
    for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i)
        --size;
    out.resize(size);
    return out;
}

bool sha256(const std::string& data, std::array<unsigned char, 32>& digest)
{
    unsigned int length = 0;
    return EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) == 1 &&
           length == digest.size();
}

bool bcryptMatches(const std::string& password, const std::string& hash)
{
    auto data = std::make_unique<crypt_data>(); // about 32 KiB: not on the stack
    std::memset(data.get(), 0, sizeof *data);
    const char* result = crypt_r(password.c_str(), hash.c_str(), data.get());
    // crypt_r returns "*0"/"*1" (never a match) on a malformed setting; a match is the whole hash again.
    return result && std::strlen(result) == hash.size() && CRYPTO_memcmp(result, hash.data(), hash.size()) == 0;
}

} // namespace

bool isBcryptHash(const std::string& hash)
{
    if (hash.size() != kBcryptLength || hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$')
        return false;
    if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y')
        return false;
    return crypt_checksalt(hash.c_str()) == CRYPT_SALT_OK;
}

BasicAuth::BasicAuth(std::map<std::string, std::string> users)
    : m_users(std::move(users))
{}

bool BasicAuth::check(std::string_view authorization)
{
    constexpr std::string_view kScheme = "Basic ";
    if (authorization.size() <= kScheme.size())
        return false;
    for (std::size_t i = 0; i < kScheme.size() - 1; ++i) // the scheme is case-insensitive (RFC 7617)
        if ((authorization[i] | 0x20) != (kScheme[i] | 0x20))
            return false;
    if (authorization[kScheme.size() - 1] != ' ')
        return false;
    const auto decoded = base64Decode(authorization.substr(kScheme.size()));
    if (!decoded)
        return false;
    const auto colon = decoded->find(':');
    if (colon == std::string::npos)
        return false;
    const std::string user = decoded->substr(0, colon);
    const std::string password = decoded->substr(colon + 1);
    const auto known = m_users.find(user);
    Digest digest{};
    if (known != m_users.end()) {
        if (!sha256(user + '\0' + password, digest))
            return false;
        if (const auto seen = m_verified.find(user);
            seen != m_verified.end() && CRYPTO_memcmp(seen->second.data(), digest.data(), digest.size()) == 0)
            return true;
    }
    if (known == m_users.end()) {
        // The same bcrypt cost as a known user, so the answer's time does not tell which users exist.
        bcryptWithinBudget(password, m_users.begin()->second);
        return false;
    }
    if (!bcryptWithinBudget(password, known->second))
        return false;
    m_verified[user] = digest;
    return true;
}

bool BasicAuth::bcryptWithinBudget(const std::string& password, const std::string& hash)
{
    const auto start = std::chrono::steady_clock::now();
    m_budget =
        std::min(kBcryptBurst, m_budget + std::chrono::duration<double>(start - m_refilled).count() * kBcryptShare);
    m_refilled = start;
    if (m_budget <= 0)
        return false;
    const bool match = bcryptMatches(password, hash);
    m_budget -= std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return match;
}

} // namespace irqscope::cli

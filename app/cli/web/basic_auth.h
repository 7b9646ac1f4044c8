// HTTP basic authentication against a web configuration's basic_auth_users (user -> bcrypt hash), verified by
// the system's crypt library (libxcrypt's crypt_r, which implements $2a$/$2b$/$2y$ bcrypt).
#pragma once

#include <array>
#include <map>
#include <string>
#include <string_view>

namespace irqscope::cli {

// True for a bcrypt hash libxcrypt accepts: $2a$, $2b$ or $2y$, a two-digit cost, 53 characters of salt and hash.
bool isBcryptHash(const std::string& hash);

class BasicAuth
{
public:
    explicit BasicAuth(std::map<std::string, std::string> users);

    bool enabled() const { return !m_users.empty(); }
    // Whether an Authorization header value ("Basic base64(user:password)") names a user with the right
    // password. The user and password of the last success per user are remembered as a SHA-256 digest, so a
    // scraper's repeated scrapes cost one bcrypt, not one each (bcrypt is slow by design); the digest and the
    // hash are compared in constant time. Called from one thread only (the serving thread).
    bool check(std::string_view authorization);

private:
    using Digest = std::array<unsigned char, 32>;
    std::map<std::string, std::string> m_users;
    std::map<std::string, Digest> m_verified;
};

} // namespace irqscope::cli

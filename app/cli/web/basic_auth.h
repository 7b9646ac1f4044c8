// HTTP basic authentication against a web configuration's basic_auth_users (user -> bcrypt hash), verified by
// the system's crypt library (libxcrypt's crypt_r, which implements $2a$/$2b$/$2y$ bcrypt).
#pragma once

#include <array>
#include <chrono>
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
    // hash are compared in constant time. Credentials not remembered cost a bcrypt each; bcrypt may take at most
    // kBcryptShare of the serving thread's time (a budget of bcrypt seconds refilled at that rate, at most
    // kBcryptBurst banked): past it, such credentials are refused unchecked. So a flood of wrong passwords takes
    // a bounded share of the thread that answers scrapes, and a known scraper's remembered password takes none.
    // Called from one thread only (the serving thread).
    bool check(std::string_view authorization);

    static constexpr double kBcryptShare = 0.25;
    static constexpr double kBcryptBurst = 0.5; // seconds

private:
    using Digest = std::array<unsigned char, 32>;
    // Runs crypt_r when the budget allows; false (no match) when it does not.
    bool bcryptWithinBudget(const std::string& password, const std::string& hash);

    std::map<std::string, std::string> m_users;
    std::map<std::string, Digest> m_verified;
    double m_budget = kBcryptBurst; // seconds of bcrypt that may run now
    std::chrono::steady_clock::time_point m_refilled = std::chrono::steady_clock::now();
};

} // namespace irqscope::cli

// What the TLS and basic-authentication tests of the metrics endpoint make at test time, never committed: a CA,
// a server certificate for 127.0.0.1 and a client certificate signed by it (the openssl command, Debian package
// openssl), bcrypt hashes (the system's libcrypt), and web configuration files in exporter-toolkit's format.
#pragma once

#include "metrics_test_support.h"

#include <crypt.h>
#include <fmt/format.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

namespace irqscope::metrics_test {

// A bcrypt hash of `password`, by default at the lowest cost libcrypt allows (4): most tests check the format,
// not the cost.
inline std::string bcryptHash(const std::string& password, const char* prefix = "$2b$", unsigned long cost = 4)
{
    char setting[CRYPT_GENSALT_OUTPUT_SIZE] = {};
    if (!crypt_gensalt_rn(prefix, cost, nullptr, 0, setting, sizeof setting))
        return {};
    crypt_data data{};
    const char* hash = crypt_r(password.c_str(), setting, &data);
    return hash && hash[0] == '$' ? std::string(hash) : std::string();
}

class TlsFiles
{
public:
    // Empty error(): the files are in `dir`; otherwise why they could not be made.
    explicit TlsFiles(const fs::path& dir)
        : m_dir(dir)
    {
        const auto openssl = findProgram("openssl");
        if (!openssl) {
            m_error = "the openssl command is not installed (Debian package openssl)";
            return;
        }
        const std::string o = *openssl;
        std::ofstream(dir / "server.ext") << "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
        std::ofstream(dir / "client.ext") << "extendedKeyUsage=clientAuth\n";
        const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
        for (const std::string& step : {
                 fmt::format("{} req -x509 {} -keyout ca.key -out ca.crt -days 2 -subj /CN=irqscope-test-ca", o, key),
                 fmt::format("{} req {} -keyout server.key -out server.csr -subj /CN=127.0.0.1", o, key),
                 fmt::format("{} x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 "
                             "-extfile server.ext -out server.crt",
                             o),
                 fmt::format("{} req {} -keyout client.key -out client.csr -subj /CN=prometheus", o, key),
                 fmt::format("{} x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 "
                             "-extfile client.ext -out client.crt",
                             o),
                 // A second key, to pair with server.crt wrongly.
                 fmt::format("{} genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.key", o),
             }) {
            std::string output;
            if (runCommand(fmt::format("cd {} && {}", dir.string(), step), output) != 0) {
                m_error = step + ": " + output;
                return;
            }
        }
    }
    const std::string& error() const { return m_error; }
    std::string path(const std::string& name) const { return (m_dir / name).string(); }

    // A web configuration file `name` with the server certificate, `extraTls` lines under tls_server_config
    // and the users given (user -> bcrypt hash).
    std::string webConfig(const std::string& name, const std::map<std::string, std::string>& users,
                          const std::string& extraTls = "") const
    {
        std::ofstream out(m_dir / name);
        out << "tls_server_config:\n"
            << "  cert_file: " << path("server.crt") << "\n"
            << "  key_file: " << path("server.key") << "\n"
            << extraTls;
        if (!users.empty()) {
            out << "basic_auth_users:\n";
            for (const auto& [user, hash] : users)
                out << "  " << user << ": '" << hash << "'\n";
        }
        return path(name);
    }

private:
    fs::path m_dir;
    std::string m_error;
};

} // namespace irqscope::metrics_test

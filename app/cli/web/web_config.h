// The --web.config.file of `irqscope run --metrics` and `irqscope exporter`: Prometheus exporter-toolkit's web
// configuration format (the YAML file node_exporter takes), the part irqscope supports (docs/metrics.md, "TLS and
// basic authentication"): tls_server_config (cert_file, key_file, client_ca_file, client_auth_type, min_version,
// max_version) and basic_auth_users (user: bcrypt hash).
#pragma once

#include <map>
#include <optional>
#include <string>

namespace irqscope::cli {

enum class ClientAuth
{
    NoClientCert,
    RequestClientCert,
    RequireAnyClientCert,
    VerifyClientCertIfGiven,
    RequireAndVerifyClientCert,
};

struct WebConfig
{
    std::string certFile; // empty with keyFile: plain HTTP
    std::string keyFile;
    std::string clientCaFile;
    ClientAuth clientAuth = ClientAuth::NoClientCert;
    int minVersion = 0;                       // TLS1_2_VERSION unless given (exporter-toolkit's default)
    int maxVersion = 0;                       // 0: the highest OpenSSL has
    std::map<std::string, std::string> users; // user -> bcrypt hash; empty: no authentication

    bool tls() const { return !certFile.empty(); }
};

// Reads and checks the file: YAML, known keys only, a certificate and key that can be read and belong together,
// a client CA when the client_auth_type verifies, a bcrypt hash per user. nullopt and one line saying what to fix
// otherwise.
std::optional<WebConfig> loadWebConfig(const std::string& path, std::string& error);

} // namespace irqscope::cli

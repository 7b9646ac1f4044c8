#include "web_config.h"

#include "basic_auth.h"
#include "tls_context.h"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>

namespace irqscope::cli {

namespace {

// exporter-toolkit keys irqscope does not implement: named as such, so the fix is to remove them, not a typo hunt.
const std::set<std::string> kUnsupportedTopLevel = {"http_server_config", "rate_limit"};
const std::set<std::string> kUnsupportedTls = {"cert",
                                               "key",
                                               "client_ca",
                                               "client_allowed_sans",
                                               "cipher_suites",
                                               "prefer_server_cipher_suites",
                                               "curve_preferences"};

std::string scalar(const YAML::Node& node, const std::string& where, std::string& error)
{
    if (!node.IsScalar()) {
        error = fmt::format("{} must be a string", where);
        return {};
    }
    return node.as<std::string>();
}

std::optional<int> tlsVersion(const std::string& text)
{
    if (text == "TLS10")
        return TLS1_VERSION;
    if (text == "TLS11")
        return TLS1_1_VERSION;
    if (text == "TLS12")
        return TLS1_2_VERSION;
    if (text == "TLS13")
        return TLS1_3_VERSION;
    return std::nullopt;
}

std::optional<ClientAuth> clientAuth(const std::string& text)
{
    if (text.empty() || text == "NoClientCert")
        return ClientAuth::NoClientCert;
    if (text == "RequestClientCert")
        return ClientAuth::RequestClientCert;
    if (text == "RequireAnyClientCert")
        return ClientAuth::RequireAnyClientCert;
    if (text == "VerifyClientCertIfGiven")
        return ClientAuth::VerifyClientCertIfGiven;
    if (text == "RequireAndVerifyClientCert")
        return ClientAuth::RequireAndVerifyClientCert;
    return std::nullopt;
}

std::string readTls(const YAML::Node& tls, WebConfig& c)
{
    if (!tls.IsDefined() || tls.IsNull())
        return {};
    if (!tls.IsMap())
        return "tls_server_config must be a mapping of cert_file, key_file, client_ca_file, client_auth_type, "
               "min_version, max_version";
    std::string error;
    std::string authText;
    for (const auto& entry : tls) {
        const std::string key = entry.first.as<std::string>();
        const std::string where = "tls_server_config." + key;
        if (kUnsupportedTls.count(key))
            return fmt::format("{} is not supported by irqscope: remove it (use cert_file, key_file and "
                               "client_ca_file with files)",
                               where);
        const std::string value = scalar(entry.second, where, error);
        if (!error.empty())
            return error;
        if (key == "cert_file")
            c.certFile = value;
        else if (key == "key_file")
            c.keyFile = value;
        else if (key == "client_ca_file")
            c.clientCaFile = value;
        else if (key == "client_auth_type")
            authText = value;
        else if (key == "min_version" || key == "max_version") {
            const auto v = tlsVersion(value);
            if (!v)
                return fmt::format("{}: '{}' is not a TLS version: use TLS10, TLS11, TLS12 or TLS13", where, value);
            (key == "min_version" ? c.minVersion : c.maxVersion) = *v;
        } else
            return fmt::format("unknown key {}: the keys are cert_file, key_file, client_ca_file, "
                               "client_auth_type, min_version and max_version",
                               where);
    }
    const auto auth = clientAuth(authText);
    if (!auth)
        return fmt::format("tls_server_config.client_auth_type: '{}' is not one of NoClientCert, RequestClientCert, "
                           "RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert",
                           authText);
    c.clientAuth = *auth;
    if (c.certFile.empty() && c.keyFile.empty() && c.clientCaFile.empty() && authText.empty())
        return {}; // exporter-toolkit: an empty tls_server_config serves plain HTTP
    if (c.certFile.empty())
        return "tls_server_config: cert_file is missing: give the server certificate's PEM file";
    if (c.keyFile.empty())
        return "tls_server_config: key_file is missing: give the server private key's PEM file";
    if ((c.clientAuth == ClientAuth::RequireAndVerifyClientCert ||
         c.clientAuth == ClientAuth::VerifyClientCertIfGiven) &&
        c.clientCaFile.empty())
        return fmt::format("tls_server_config: client_auth_type {} needs client_ca_file, the CA that signs client "
                           "certificates",
                           authText);
    if (c.minVersion == 0)
        c.minVersion = TLS1_2_VERSION;
    if (c.maxVersion != 0 && c.maxVersion < c.minVersion)
        return "tls_server_config: max_version is below min_version";
    return {};
}

std::string readUsers(const YAML::Node& users, WebConfig& c)
{
    if (!users.IsDefined() || users.IsNull())
        return {};
    if (!users.IsMap())
        return "basic_auth_users must be a mapping of user name to bcrypt hash";
    for (const auto& entry : users) {
        const std::string user = entry.first.as<std::string>();
        std::string error;
        const std::string hash = scalar(entry.second, "basic_auth_users." + user, error);
        if (!error.empty())
            return error;
        if (user.empty() || user.find(':') != std::string::npos)
            return fmt::format("basic_auth_users: '{}' cannot be a user name (empty, or has a ':')", user);
        if (!isBcryptHash(hash))
            return fmt::format("basic_auth_users.{}: not a bcrypt hash ($2b$, $2y$ or $2a$ and 53 more characters): "
                               "make one with `htpasswd -nbBC 10 '' PASSWORD | tr -d ':\\n'` (apache2-utils)",
                               user);
        c.users[user] = hash;
    }
    return {};
}

} // namespace

std::optional<WebConfig> loadWebConfig(const std::string& path, std::string& error)
{
    const auto fail = [&](const std::string& what) -> std::optional<WebConfig> {
        error = fmt::format("--web.config.file {}: {}", path, what);
        return std::nullopt;
    };
    if (!std::ifstream(path))
        return fail("cannot be read: give the path of a readable web configuration file");
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::Exception& e) {
        return fail(fmt::format("is not valid YAML ({}): fix it at line {}, column {}", e.msg, e.mark.line + 1,
                                e.mark.column + 1));
    }
    WebConfig config;
    if (root.IsNull())
        return config; // an empty file: plain HTTP, no authentication, as exporter-toolkit
    if (!root.IsMap())
        return fail("must be a YAML mapping with tls_server_config and/or basic_auth_users");
    try {
        // Every key is known before any is read: a misspelt key is the error, not what its absence implies.
        for (const auto& entry : root) {
            const std::string key = entry.first.as<std::string>();
            if (kUnsupportedTopLevel.count(key))
                return fail(key + " is not supported by irqscope: remove it");
            if (key != "tls_server_config" && key != "basic_auth_users")
                return fail(fmt::format("unknown key '{}': the keys are tls_server_config and basic_auth_users", key));
        }
        if (auto err = readTls(root["tls_server_config"], config); !err.empty())
            return fail(err);
        if (auto err = readUsers(root["basic_auth_users"], config); !err.empty())
            return fail(err);
    } catch (const YAML::Exception& e) {
        return fail(fmt::format("unexpected YAML structure ({}) at line {}", e.msg, e.mark.line + 1));
    }
    if (config.tls()) {
        // The certificate, key and client CA are loaded now, so a missing or mismatched file stops irqscope
        // before anything is served.
        std::string err;
        if (!makeServerTlsContext(config, err))
            return fail(err);
    }
    return config;
}

} // namespace irqscope::cli

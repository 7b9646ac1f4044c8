#include "tls_context.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <cstdio>

#include <fstream>

namespace irqscope::cli {

namespace {

// OpenSSL's reason for the last failure, in its words ("no start line", "key values mismatch").
std::string opensslReason()
{
    const unsigned long code = ERR_peek_last_error();
    ERR_clear_error();
    const char* reason = code ? ERR_reason_error_string(code) : nullptr;
    return reason ? reason : "unknown OpenSSL error";
}

std::string unreadable(const std::string& key, const std::string& path)
{
    return std::ifstream(path) ? std::string()
                               : fmt::format("tls_server_config.{} '{}' cannot be read: check the path and that "
                                             "irqscope's user may read it",
                                             key, path);
}

// RequestClientCert and RequireAnyClientCert ask for a certificate but, as exporter-toolkit's (Go's) server,
// do not verify it: the handshake goes on whatever the chain.
int acceptAnyCertificate(int, X509_STORE_CTX*)
{
    return 1;
}

int noPassword(char*, int, int, void*)
{
    return 0;
}

} // namespace

SslCtxPtr makeServerTlsContext(const WebConfig& c, std::string& error)
{
    for (const auto& [key, path] : {std::pair{"cert_file", c.certFile}, std::pair{"key_file", c.keyFile}})
        if (error = unreadable(key, path); !error.empty())
            return nullptr;
    if (!c.clientCaFile.empty())
        if (error = unreadable("client_ca_file", c.clientCaFile); !error.empty())
            return nullptr;

    SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx) {
        error = "cannot create a TLS context: " + opensslReason();
        return nullptr;
    }
    SSL_CTX_set_default_passwd_cb(ctx.get(), noPassword);
    SSL_CTX_set_min_proto_version(ctx.get(), c.minVersion);
    SSL_CTX_set_max_proto_version(ctx.get(), c.maxVersion);
    // The connection front writes from a buffer that moves forward between partial writes.
    SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), c.certFile.c_str()) != 1) {
        error =
            fmt::format("tls_server_config.cert_file '{}' is not a PEM certificate ({})", c.certFile, opensslReason());
        return nullptr;
    }
    // The key is parsed first, so that "not a key" and "the key of another certificate" are told apart. No
    // password callback: an encrypted key is refused rather than prompting on a terminal a service has not.
    std::unique_ptr<FILE, int (*)(FILE*)> keyFile(std::fopen(c.keyFile.c_str(), "r"), std::fclose);
    std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(
        keyFile ? PEM_read_PrivateKey(keyFile.get(), nullptr, noPassword, nullptr) : nullptr, EVP_PKEY_free);
    if (!key) {
        error = fmt::format("tls_server_config.key_file '{}' is not an unencrypted PEM private key ({})", c.keyFile,
                            opensslReason());
        return nullptr;
    }
    if (SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1 || SSL_CTX_check_private_key(ctx.get()) != 1) {
        error = fmt::format("tls_server_config.key_file '{}' is not the key of cert_file '{}' ({})", c.keyFile,
                            c.certFile, opensslReason());
        return nullptr;
    }
    if (!c.clientCaFile.empty()) {
        STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(c.clientCaFile.c_str());
        if (!names || SSL_CTX_load_verify_locations(ctx.get(), c.clientCaFile.c_str(), nullptr) != 1) {
            if (names)
                sk_X509_NAME_pop_free(names, X509_NAME_free);
            error = fmt::format("tls_server_config.client_ca_file '{}' holds no PEM CA certificate ({})",
                                c.clientCaFile, opensslReason());
            return nullptr;
        }
        SSL_CTX_set_client_CA_list(ctx.get(), names);
    }
    switch (c.clientAuth) {
    case ClientAuth::NoClientCert:
        SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
        break;
    case ClientAuth::RequestClientCert:
        SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, acceptAnyCertificate);
        break;
    case ClientAuth::RequireAnyClientCert:
        SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, acceptAnyCertificate);
        break;
    case ClientAuth::VerifyClientCertIfGiven:
        SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
        break;
    case ClientAuth::RequireAndVerifyClientCert:
        SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
        break;
    }
    return ctx;
}

} // namespace irqscope::cli

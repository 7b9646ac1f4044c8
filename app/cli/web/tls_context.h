// The OpenSSL server context of a web configuration's tls_server_config: certificate chain, private key, client
// certificate policy and protocol versions. Used by the metrics server's connection front (http_front.h).
#pragma once

#include "web_config.h"

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace irqscope::cli {

struct SslCtxFree
{
    void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// nullptr and one line naming the file and what is wrong with it (missing, unreadable, not PEM, the key does not
// belong to the certificate) when the context cannot be made.
SslCtxPtr makeServerTlsContext(const WebConfig& config, std::string& error);

} // namespace irqscope::cli

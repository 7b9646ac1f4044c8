// The /metrics endpoint of `irqscope run --metrics` and `irqscope exporter`, on its own thread: an event-driven
// connection front (web/http_front.h: accept, TLS, bounded request heads under deadlines) hands each complete
// request to cpp-httplib's request processing, which serves core/metrics' Prometheus text of the latest published
// snapshot. --web.config.file adds TLS and basic authentication (web/web_config.h). It reads snapshots only
// through the provider (the aggregator's latest(), a shared pointer taken under the exchange's short mutex), so it
// never touches the core thread.
#pragma once

#include "metrics/prometheus_text.h"
#include "stats/snapshot.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

namespace irqscope::cli {

struct MetricsAddress
{
    std::string host; // numeric IPv4 or IPv6 address (IPv6 without brackets)
    int port = 0;     // 0 = any free port (the bound one is reported by MetricsServer::port())
};

// "PORT" (loopback: 127.0.0.1), "ADDR:PORT", "[IPV6]:PORT", or "localhost:PORT". nullopt and a one-line error
// (what to write instead) when it is not one of those.
std::optional<MetricsAddress> parseMetricsAddress(const std::string& text, std::string& error);

class MetricsServer
{
public:
    using Provider = std::function<std::shared_ptr<const core::Snapshot>()>;

    explicit MetricsServer(core::ExpositionInfo info);
    ~MetricsServer(); // stop()
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    // Reads a --web.config.file (TLS certificate and key, client certificates, basic_auth_users) before bind();
    // "" on success, otherwise one line saying what to fix. Without it, plain HTTP and no authentication.
    std::string configure(const std::string& webConfigPath);
    // Binds (and listens on) the address; "" on success, otherwise one line saying why and what to do (the port
    // is in use, the address is not on this machine, a privileged port). Nothing is served until start().
    std::string bind(const MetricsAddress& address);
    int port() const { return m_port; }
    std::string url() const; // http(s)://HOST:PORT/metrics

    // Serves GET /metrics from `provider` on the server's own thread until stop().
    void start(Provider provider);
    // Stops serving and joins; idempotent. Call it before whatever the provider reads from goes away.
    void stop();

private:
    struct Serving; // the listening socket, TLS context, authentication, httplib and the connection front
    core::ExpositionInfo m_info;
    std::unique_ptr<Serving> m_serving;
    bool m_tls = false;
    MetricsAddress m_address;
    int m_port = -1;
    Provider m_provider;
    std::thread m_thread;
};

// Serves `provider` while in scope (nothing when `serve` is false) and stops the server on every exit path.
// Declare it after whatever the provider reads from, so the server stops before that goes away.
class MetricsServing
{
public:
    MetricsServing(MetricsServer& server, bool serve, MetricsServer::Provider provider)
        : m_server(server)
    {
        if (serve)
            m_server.start(std::move(provider));
    }
    ~MetricsServing() { m_server.stop(); }
    MetricsServing(const MetricsServing&) = delete;
    MetricsServing& operator=(const MetricsServing&) = delete;

private:
    MetricsServer& m_server;
};

} // namespace irqscope::cli

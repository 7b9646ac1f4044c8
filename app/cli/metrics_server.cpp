#include "metrics_server.h"

#include "base/number_text.h"

#include <fmt/format.h>
#ifdef IRQSCOPE_HAVE_HTTPLIB
#include "web/basic_auth.h"
#include "web/http_front.h"
#include "web/tls_context.h"
#include "web/web_config.h"

#include <httplib.h>
#endif

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace irqscope::cli {

namespace {

constexpr const char* kAddressForms = "use PORT (127.0.0.1), ADDR:PORT or [IPV6]:PORT, e.g. 9477 or 0.0.0.0:9477";

bool isIpv4(const std::string& host)
{
    in_addr a{};
    return inet_pton(AF_INET, host.c_str(), &a) == 1;
}

bool isIpv6(const std::string& host)
{
    in6_addr a{};
    return inet_pton(AF_INET6, host.c_str(), &a) == 1;
}

// The listening socket, non-blocking for the connection front; -1 and why (what to do) when it cannot be had.
[[maybe_unused]] int openListener(const MetricsAddress& a, std::string& why)
{
    const bool v6 = isIpv6(a.host);
    const int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        why = std::strerror(errno);
        return -1;
    }
    // SO_REUSEADDR alone: a restart may bind while old connections sit in TIME_WAIT, but a second irqscope cannot
    // bind the port of a running one (SO_REUSEPORT would let it take half the scrapes).
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc;
    if (v6) {
        const int zero = 0; // [::]:PORT serves IPv4 too, as before
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        sockaddr_in6 s{};
        s.sin6_family = AF_INET6;
        s.sin6_port = htons(static_cast<uint16_t>(a.port));
        inet_pton(AF_INET6, a.host.c_str(), &s.sin6_addr);
        rc = ::bind(fd, reinterpret_cast<sockaddr*>(&s), sizeof s);
    } else {
        sockaddr_in s{};
        s.sin_family = AF_INET;
        s.sin_port = htons(static_cast<uint16_t>(a.port));
        inet_pton(AF_INET, a.host.c_str(), &s.sin_addr);
        rc = ::bind(fd, reinterpret_cast<sockaddr*>(&s), sizeof s);
    }
    if (rc == 0 && ::listen(fd, SOMAXCONN) == 0)
        return fd;
    const int err = errno;
    ::close(fd);
    switch (err) {
    case EADDRINUSE:
        why = "the port is in use: pick another one";
        break;
    case EADDRNOTAVAIL:
        why = "the address is not one of this machine's: use one of its addresses, 127.0.0.1 or 0.0.0.0";
        break;
    case EACCES:
        why = "ports below 1024 need privilege: use a port of 1024 or above";
        break;
    default:
        why = std::strerror(err);
    }
    return -1;
}

[[maybe_unused]] int boundPort(int fd)
{
    sockaddr_storage s{};
    socklen_t length = sizeof s;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&s), &length) != 0)
        return -1;
    return s.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&s)->sin6_port)
                                   : ntohs(reinterpret_cast<sockaddr_in*>(&s)->sin_port);
}

std::string hostForUrl(const std::string& host)
{
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

} // namespace

std::optional<MetricsAddress> parseMetricsAddress(const std::string& text, std::string& error)
{
    MetricsAddress a;
    std::string portText = text;
    if (const auto colon = text.rfind(':'); colon != std::string::npos) {
        a.host = text.substr(0, colon);
        portText = text.substr(colon + 1);
        if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']')
            a.host = a.host.substr(1, a.host.size() - 2);
        else if (a.host.find(':') != std::string::npos) {
            error = fmt::format("--metrics '{}': put an IPv6 address in brackets, e.g. [::1]:9477", text);
            return std::nullopt;
        }
        if (a.host == "localhost")
            a.host = "127.0.0.1";
        if (!isIpv4(a.host) && !isIpv6(a.host)) {
            error = fmt::format("--metrics '{}': '{}' is not a numeric IP address; {}", text, a.host, kAddressForms);
            return std::nullopt;
        }
    } else {
        a.host = "127.0.0.1";
    }
    const auto port = core::parseInteger<int>(portText);
    if (!port || *port < 0 || *port > 65535) {
        error = fmt::format("--metrics '{}': bad port '{}' (0-65535, 0 = any free port); {}", text, portText,
                            kAddressForms);
        return std::nullopt;
    }
    a.port = *port;
    return a;
}

#ifndef IRQSCOPE_HAVE_HTTPLIB
// Builds without cpp-httplib (the fuzz targets compile the CLI sources on their own): there is no endpoint.
struct MetricsServer::Serving
{};
#else
// Named, not anonymous: MetricsServer::Serving holds a RequestProcessor.
namespace metrics_http {

// cpp-httplib's request processing (parse, route, write the answer) over a request the connection front has
// already collected whole: its process_request is protected, for servers that bring their own streams.
class RequestProcessor : public httplib::Server
{
public:
    using httplib::Server::process_request;
};

// One collected request in, the answer out: what process_request reads and writes instead of a socket.
class CollectedRequestStream : public httplib::Stream
{
public:
    CollectedRequestStream(std::string_view input, std::string& output, const PeerAddress& peer)
        : m_input(input)
        , m_output(output)
        , m_peer(peer)
    {}
    bool is_readable() const override { return m_read < m_input.size(); }
    bool is_writable() const override { return true; }
    ssize_t read(char* ptr, size_t size) override
    {
        const std::size_t n = std::min(size, m_input.size() - m_read);
        std::memcpy(ptr, m_input.data() + m_read, n);
        m_read += n;
        return static_cast<ssize_t>(n);
    }
    ssize_t write(const char* ptr, size_t size) override
    {
        m_output.append(ptr, size);
        return static_cast<ssize_t>(size);
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override
    {
        ip = m_peer.remoteIp;
        port = m_peer.remotePort;
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override
    {
        ip = m_peer.localIp;
        port = m_peer.localPort;
    }
    // httplib compares it with select()'s FD_SETSIZE only; no I/O goes through it here, so no descriptor is
    // given (an exporter arming 2048 vectors holds more than 1024 descriptors).
    socket_t socket() const override { return INVALID_SOCKET; }
    std::size_t consumed() const { return m_read; }

private:
    std::string_view m_input;
    std::string& m_output;
    const PeerAddress& m_peer;
    std::size_t m_read = 0;
};

} // namespace metrics_http

struct MetricsServer::Serving
{
    std::optional<WebConfig> web;
    SslCtxPtr tls;
    std::unique_ptr<BasicAuth> auth;
    metrics_http::RequestProcessor http;
    std::unique_ptr<HttpFront> front;
};
#endif

MetricsServer::MetricsServer(core::ExpositionInfo info)
    : m_info(std::move(info))
    , m_serving(std::make_unique<Serving>())
{}

MetricsServer::~MetricsServer()
{
    stop();
}

std::string MetricsServer::url() const
{
    return fmt::format("{}://{}:{}/metrics", m_tls ? "https" : "http", hostForUrl(m_address.host), m_port);
}

#ifndef IRQSCOPE_HAVE_HTTPLIB
std::string MetricsServer::configure(const std::string&)
{
    return "--web.config.file: this irqscope was built without cpp-httplib: use the packaged irqscope";
}
std::string MetricsServer::bind(const MetricsAddress&)
{
    return "--metrics: this irqscope was built without cpp-httplib: use the packaged irqscope";
}
void MetricsServer::start(Provider) {}
void MetricsServer::stop() {}
#else
std::string MetricsServer::configure(const std::string& webConfigPath)
{
    std::string error;
    auto web = loadWebConfig(webConfigPath, error);
    if (!web)
        return error;
    if (web->tls()) {
        m_serving->tls = makeServerTlsContext(*web, error);
        if (!m_serving->tls)
            return fmt::format("--web.config.file {}: {}", webConfigPath, error);
    }
    m_tls = web->tls();
    m_serving->auth = std::make_unique<BasicAuth>(web->users);
    m_serving->web = std::move(web);
    return {};
}

std::string MetricsServer::bind(const MetricsAddress& address)
{
    m_address = address;
    std::string why;
    const int fd = openListener(address, why);
    if (fd < 0)
        return fmt::format("--metrics: cannot listen on {}:{}: {}", hostForUrl(address.host), address.port, why);
    m_port = boundPort(fd);

    auto& http = m_serving->http;
    // The answer's Keep-Alive header: the connection front's idle timeout (it, not httplib, enforces it).
    const FrontLimits limits;
    http.set_keep_alive_timeout(std::chrono::duration_cast<std::chrono::seconds>(limits.idleTimeout).count());
    http.set_keep_alive_max_count(std::numeric_limits<int>::max());
    http.set_payload_max_length(limits.maxHeadBytes);
    if (m_serving->auth && m_serving->auth->enabled()) {
        // Every path, as exporter-toolkit: wrong or missing credentials are a 401 that names the scheme.
        http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
            if (m_serving->auth->check(req.get_header_value("Authorization")))
                return httplib::Server::HandlerResponse::Unhandled;
            res.status = 401;
            res.set_header("WWW-Authenticate", R"(Basic realm="irqscope", charset="UTF-8")");
            res.set_content("Unauthorized\n", "text/plain; charset=utf-8");
            return httplib::Server::HandlerResponse::Handled;
        });
    }
    http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
        const auto snapshot = m_provider ? m_provider() : nullptr;
        res.set_content(core::prometheusText(snapshot.get(), m_info), std::string(core::kPrometheusContentType));
    });
    http.Get("/", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("<html><head><title>irqscope</title></head><body><h1>irqscope</h1>"
                        "<p><a href=\"/metrics\">/metrics</a> (Prometheus text format)</p></body></html>\n",
                        "text/html; charset=utf-8");
    });
    m_serving->front = std::make_unique<HttpFront>(
        fd, m_serving->tls.get(), limits,
        [this](std::string_view input, std::string& output, bool& close, const PeerAddress& peer) {
            metrics_http::CollectedRequestStream stream(input, output, peer);
            bool closedByClient = false;
            const bool ok = m_serving->http.process_request(stream, false, closedByClient, nullptr);
            close = !ok || closedByClient;
            return stream.consumed();
        });
    return {};
}

void MetricsServer::start(Provider provider)
{
    if (!m_serving->front || m_thread.joinable())
        return;
    m_provider = std::move(provider);
    m_thread = std::thread([this] { m_serving->front->run(); });
}

void MetricsServer::stop()
{
    if (m_serving->front)
        m_serving->front->stop();
    if (m_thread.joinable())
        m_thread.join();
    m_serving->front.reset();
}

#endif

} // namespace irqscope::cli

#include "metrics_server.h"

#include "base/number_text.h"

#include <fmt/format.h>
#ifdef IRQSCOPE_HAVE_HTTPLIB
#include <httplib.h>
#else
// Builds without cpp-httplib (the fuzz targets compile the CLI sources on their own): there is no endpoint. The
// type is complete before MetricsServer's constructor, whose unique_ptr member clang destroys on unwinding.
namespace httplib {
class Server
{};
} // namespace httplib
#endif

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
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

// Binds a throw-away socket the way the server will, to tell why the server could not (httplib only says no).
[[maybe_unused]] std::string whyUnbindable(const MetricsAddress& a)
{
    const bool v6 = isIpv6(a.host);
    const int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return std::strerror(errno);
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc;
    if (v6) {
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
    const int err = rc == 0 ? 0 : errno;
    ::close(fd);
    switch (err) {
    case 0:
        return "the listening socket could not be set up";
    case EADDRINUSE:
        return "the port is in use: pick another one";
    case EADDRNOTAVAIL:
        return "the address is not one of this machine's: use one of its addresses, 127.0.0.1 or 0.0.0.0";
    case EACCES:
        return "ports below 1024 need privilege: use a port of 1024 or above";
    default:
        return std::strerror(err);
    }
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

MetricsServer::MetricsServer(core::ExpositionInfo info)
    : m_info(std::move(info))
{}

MetricsServer::~MetricsServer()
{
    stop();
}

std::string MetricsServer::url() const
{
    return fmt::format("http://{}:{}/metrics", hostForUrl(m_address.host), m_port);
}

#ifndef IRQSCOPE_HAVE_HTTPLIB
std::string MetricsServer::bind(const MetricsAddress&)
{
    return "--metrics: this irqscope was built without cpp-httplib: use the packaged irqscope";
}
void MetricsServer::start(Provider) {}
void MetricsServer::stop() {}
#else
std::string MetricsServer::bind(const MetricsAddress& address)
{
    m_address = address;
    m_server = std::make_unique<httplib::Server>();
    // Scrapes are rare and small: two workers instead of httplib's one per CPU (at least eight).
    m_server->new_task_queue = [] {
        return new httplib::ThreadPool(2);
    };
    m_server->set_address_family(isIpv6(address.host) ? AF_INET6 : AF_INET);
    // httplib's default sets SO_REUSEPORT, which lets a second irqscope bind the same port and take half the
    // scrapes: SO_REUSEADDR alone still allows a restart while old connections sit in TIME_WAIT.
    m_server->set_socket_options([](socket_t sock) {
        const int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    m_server->set_keep_alive_max_count(10);
    m_server->set_read_timeout(5, 0);
    m_server->set_write_timeout(5, 0);
    const bool ok = address.port == 0 ? (m_port = m_server->bind_to_any_port(address.host)) > 0
                                      : m_server->bind_to_port(address.host, address.port);
    if (!ok) {
        m_server.reset();
        return fmt::format("--metrics: cannot listen on {}:{}: {}", hostForUrl(address.host), address.port,
                           whyUnbindable(address));
    }
    if (address.port != 0)
        m_port = address.port;
    m_server->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
        const auto snapshot = m_provider ? m_provider() : nullptr;
        res.set_content(core::prometheusText(snapshot.get(), m_info), std::string(core::kPrometheusContentType));
    });
    m_server->Get("/", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("<html><head><title>irqscope</title></head><body><h1>irqscope</h1>"
                        "<p><a href=\"/metrics\">/metrics</a> (Prometheus text format)</p></body></html>\n",
                        "text/html; charset=utf-8");
    });
    return {};
}

void MetricsServer::start(Provider provider)
{
    if (!m_server || m_thread.joinable())
        return;
    m_provider = std::move(provider);
    m_thread = std::thread([this] { m_server->listen_after_bind(); });
    // httplib's stop() does nothing until the accept loop runs: wait for it, so that stop() always ends it.
    for (int i = 0; i < 5000 && !m_server->is_running(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void MetricsServer::stop()
{
    if (m_server)
        m_server->stop();
    if (m_thread.joinable())
        m_thread.join();
    m_server.reset();
}

#endif

} // namespace irqscope::cli

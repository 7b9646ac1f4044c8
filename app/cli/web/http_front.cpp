#include "http_front.h"

#include <openssl/err.h>

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace irqscope::cli {

namespace {

constexpr std::string_view kHeadEnd = "\r\n\r\n";
constexpr std::string_view kHeadTooLarge = "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n"
                                           "Content-Length: 0\r\n\r\n";

void addressOf(const sockaddr_storage& s, std::string& ip, int& port)
{
    char text[INET6_ADDRSTRLEN] = {};
    if (s.ss_family == AF_INET6) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&s);
        inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
        port = ntohs(a->sin6_port);
    } else {
        const auto* a = reinterpret_cast<const sockaddr_in*>(&s);
        inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
        port = ntohs(a->sin_port);
    }
    ip = text;
}

} // namespace

struct HttpFront::Connection
{
    enum class State
    {
        Handshake,
        Reading,
        Writing,
    };
    struct SslFree
    {
        void operator()(SSL* ssl) const { SSL_free(ssl); }
    };

    int fd = -1;
    std::unique_ptr<SSL, SslFree> ssl;
    State state = State::Reading;
    std::string in;  // at most maxHeadBytes: the request head being collected (and what came after it)
    std::string out; // the answer being written
    std::size_t outAt = 0;
    bool closeAfterWrite = false;
    bool awaitingFirstByte = false; // kept alive, no byte of the next request yet: the idle timeout applies
    uint32_t events = 0;
    Clock::time_point deadline;  // dropped when it passes in the current state
    Clock::time_point idleSince; // accepted, or its last answer written: who is dropped first when full
    PeerAddress peer;
};

HttpFront::HttpFront(int listenFd, SSL_CTX* tls, FrontLimits limits, Dispatch dispatch)
    : m_listenFd(listenFd)
    , m_epollFd(epoll_create1(EPOLL_CLOEXEC))
    , m_wakeFd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC))
    , m_tls(tls)
    , m_limits(limits)
    , m_dispatch(std::move(dispatch))
{
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.fd = m_listenFd;
    epoll_ctl(m_epollFd, EPOLL_CTL_ADD, m_listenFd, &e);
    e.data.fd = m_wakeFd;
    epoll_ctl(m_epollFd, EPOLL_CTL_ADD, m_wakeFd, &e);
}

HttpFront::~HttpFront()
{
    while (!m_connections.empty())
        close(m_connections.begin()->first);
    ::close(m_wakeFd);
    ::close(m_epollFd);
    ::close(m_listenFd);
}

void HttpFront::stop()
{
    const uint64_t one = 1;
    (void)!::write(m_wakeFd, &one, sizeof one);
}

void HttpFront::run()
{
    std::array<epoll_event, 64> events{};
    for (;;) {
        std::vector<int> again;
        again.swap(m_again);
        for (int fd : again)
            if (const auto it = m_connections.find(fd); it != m_connections.end())
                progress(*it->second);
        const int timeout = m_again.empty() ? nextTimeoutMs() : 0;
        const int n = epoll_wait(m_epollFd, events.data(), static_cast<int>(events.size()), timeout);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; ++i) {
            const int fd = events[static_cast<std::size_t>(i)].data.fd;
            if (fd == m_wakeFd) {
                while (!m_connections.empty())
                    close(m_connections.begin()->first);
                return;
            }
            if (fd == m_listenFd) {
                acceptAll();
                continue;
            }
            const auto it = m_connections.find(fd);
            if (it == m_connections.end())
                continue;
            // Errors and hang-ups surface as a failed read or write in progress(), which closes.
            progress(*it->second);
        }
        expire();
    }
}

void HttpFront::acceptAll()
{
    for (;;) {
        sockaddr_storage remote{};
        socklen_t length = sizeof remote;
        int fd = accept4(m_listenFd, reinterpret_cast<sockaddr*>(&remote), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            // Out of descriptors: make room by dropping the longest idle connection and take this one instead.
            if ((errno == EMFILE || errno == ENFILE) && makeRoom())
                continue;
            return; // EAGAIN: all taken; anything else: the next readiness retries
        }
        if (m_connections.size() >= m_limits.maxConnections && !makeRoom()) {
            ::close(fd); // every connection is busy writing an answer: refuse the newcomer
            continue;
        }
        auto c = std::make_unique<Connection>();
        c->fd = fd;
        addressOf(remote, c->peer.remoteIp, c->peer.remotePort);
        sockaddr_storage local{};
        length = sizeof local;
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0)
            addressOf(local, c->peer.localIp, c->peer.localPort);
        const auto now = Clock::now();
        c->idleSince = now;
        c->deadline = now + m_limits.headDeadline;
        if (m_tls) {
            c->ssl.reset(SSL_new(m_tls));
            if (!c->ssl || SSL_set_fd(c->ssl.get(), fd) != 1) {
                ::close(fd);
                continue;
            }
            SSL_set_accept_state(c->ssl.get());
            c->state = Connection::State::Handshake;
        }
        epoll_event e{};
        e.events = EPOLLIN;
        e.data.fd = fd;
        if (epoll_ctl(m_epollFd, EPOLL_CTL_ADD, fd, &e) != 0) {
            ::close(fd);
            continue;
        }
        c->events = EPOLLIN;
        m_connections.emplace(fd, std::move(c));
    }
}

bool HttpFront::makeRoom()
{
    // The longest idle: accepted or last answered the longest ago, and not writing an answer now. A client that
    // trickles bytes gains nothing here: only a complete answer renews idleSince.
    Connection* oldest = nullptr;
    for (const auto& [fd, c] : m_connections)
        if (c->state != Connection::State::Writing && (!oldest || c->idleSince < oldest->idleSince))
            oldest = c.get();
    if (!oldest)
        return false;
    close(oldest->fd);
    return true;
}

void HttpFront::progress(Connection& c)
{
    const int fd = c.fd;
    bool open = true;
    // Each step may finish its state and start the next (a handshake done, a head complete, an answer written
    // with the next request already buffered); stop when one has to wait for the socket. A client pipelining
    // many requests gets a few steps, then its turn comes again after every other ready connection's.
    for (int steps = 0; open; ++steps) {
        if (steps == 16) {
            m_again.push_back(fd);
            return;
        }
        const auto before = c.state;
        const auto pending = c.in.size();
        switch (c.state) {
        case Connection::State::Handshake:
            open = handshake(c);
            break;
        case Connection::State::Reading:
            open = readHead(c);
            break;
        case Connection::State::Writing:
            open = writeOut(c);
            break;
        }
        if (open && c.state == before && c.in.size() == pending)
            return; // waiting for the socket
    }
    if (!open)
        close(fd);
}

bool HttpFront::handshake(Connection& c)
{
    ERR_clear_error();
    const int r = SSL_accept(c.ssl.get());
    if (r == 1) {
        c.state = Connection::State::Reading;
        return true;
    }
    // false: not TLS (plain HTTP to the TLS port), a refused client certificate, a reset.
    return sslRetryLater(c, r);
}

bool HttpFront::sslRetryLater(Connection& c, int result)
{
    switch (SSL_get_error(c.ssl.get(), result)) {
    case SSL_ERROR_WANT_READ:
        watch(c, EPOLLIN);
        return true;
    case SSL_ERROR_WANT_WRITE:
        watch(c, EPOLLOUT);
        return true;
    default:
        return false;
    }
}

bool HttpFront::readHead(Connection& c)
{
    std::array<char, 4096> buffer{};
    for (;;) {
        if (c.in.find(kHeadEnd) != std::string::npos)
            break;
        const std::size_t room = m_limits.maxHeadBytes - std::min(c.in.size(), m_limits.maxHeadBytes);
        if (room == 0) {
            c.out = kHeadTooLarge;
            c.outAt = 0;
            c.closeAfterWrite = true;
            c.state = Connection::State::Writing;
            c.deadline = Clock::now() + m_limits.writeDeadline;
            return true;
        }
        const std::size_t want = std::min(room, buffer.size());
        ssize_t n;
        if (c.ssl) {
            ERR_clear_error();
            const int r = SSL_read(c.ssl.get(), buffer.data(), static_cast<int>(want));
            if (r <= 0)
                return sslRetryLater(c, r);
            n = r;
        } else {
            n = recv(c.fd, buffer.data(), want, 0);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                watch(c, EPOLLIN);
                return true;
            }
            if (n <= 0)
                return false; // closed by the client, or reset
        }
        if (c.awaitingFirstByte) {
            c.awaitingFirstByte = false;
            c.deadline = Clock::now() + m_limits.headDeadline;
        }
        c.in.append(buffer.data(), static_cast<std::size_t>(n));
    }
    bool close = false;
    c.out.clear();
    c.outAt = 0;
    const std::size_t used = m_dispatch(c.in, c.out, close, c.peer);
    c.in.erase(0, std::min(used, c.in.size()));
    c.closeAfterWrite = close || used == 0;
    c.state = Connection::State::Writing;
    c.deadline = Clock::now() + m_limits.writeDeadline;
    return true;
}

bool HttpFront::writeOut(Connection& c)
{
    while (c.outAt < c.out.size()) {
        const std::size_t left = c.out.size() - c.outAt;
        if (c.ssl) {
            ERR_clear_error();
            const int r =
                SSL_write(c.ssl.get(), c.out.data() + c.outAt, static_cast<int>(std::min<std::size_t>(left, 1 << 20)));
            if (r <= 0)
                return sslRetryLater(c, r);
            c.outAt += static_cast<std::size_t>(r);
        } else {
            const ssize_t n = send(c.fd, c.out.data() + c.outAt, left, MSG_NOSIGNAL);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                watch(c, EPOLLOUT);
                return true;
            }
            if (n <= 0)
                return false;
            c.outAt += static_cast<std::size_t>(n);
        }
    }
    if (c.closeAfterWrite) {
        if (c.ssl)
            SSL_shutdown(c.ssl.get()); // close_notify, best effort: the socket closes right after
        return false;
    }
    c.out = std::string(); // release the answer's memory while idle
    c.outAt = 0;
    startReading(c);
    return true;
}

void HttpFront::startReading(Connection& c)
{
    const auto now = Clock::now();
    c.state = Connection::State::Reading;
    c.idleSince = now;
    c.awaitingFirstByte = c.in.empty();
    c.deadline = now + (c.awaitingFirstByte ? m_limits.idleTimeout : m_limits.headDeadline);
    watch(c, EPOLLIN);
}

void HttpFront::watch(Connection& c, uint32_t events)
{
    if (c.events == events)
        return;
    epoll_event e{};
    e.events = events;
    e.data.fd = c.fd;
    epoll_ctl(m_epollFd, EPOLL_CTL_MOD, c.fd, &e);
    c.events = events;
}

void HttpFront::close(int fd)
{
    const auto it = m_connections.find(fd);
    if (it == m_connections.end())
        return;
    epoll_ctl(m_epollFd, EPOLL_CTL_DEL, fd, nullptr);
    it->second->ssl.reset();
    ::close(fd);
    m_connections.erase(it);
}

int HttpFront::nextTimeoutMs() const
{
    if (m_connections.empty())
        return -1;
    auto first = Clock::time_point::max();
    for (const auto& [fd, c] : m_connections)
        first = std::min(first, c->deadline);
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(first - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(wait, 0, 60'000));
}

void HttpFront::expire()
{
    const auto now = Clock::now();
    std::vector<int> late;
    for (const auto& [fd, c] : m_connections)
        if (c->deadline <= now)
            late.push_back(fd);
    for (int fd : late)
        close(fd);
}

} // namespace irqscope::cli

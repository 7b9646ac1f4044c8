// The metrics server's connection front: one thread, one epoll set, every connection non-blocking. It accepts,
// does the TLS handshake (OpenSSL, when a web configuration gives a certificate), collects a request head into a
// bounded buffer under a deadline, hands the complete head to a dispatcher (cpp-httplib's request processing,
// metrics_server.cpp) and writes the answer back under a deadline. No connection ever holds a thread, so idle,
// half-sent or slow clients cannot make a scrape wait: the design and its limits are in docs/metrics.md,
// "Many or hostile clients".
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <openssl/ssl.h>

namespace irqscope::cli {

struct FrontLimits
{
    std::size_t maxConnections = 256; // open at once; a new one drops the longest idle (see docs/metrics.md)
    std::size_t maxHeadBytes = 16384; // a request head larger than this is answered 431 and closed
    std::chrono::milliseconds headDeadline{10'000};  // TLS handshake + request head, from accept or first byte
    std::chrono::milliseconds writeDeadline{10'000}; // one answer written out
    std::chrono::milliseconds idleTimeout{120'000};  // a kept-alive connection waiting for its next request
};

struct PeerAddress
{
    std::string remoteIp;
    int remotePort = 0;
    std::string localIp;
    int localPort = 0;
};

// Answers the request whose complete head starts `input`: appends the whole response to `output` and returns
// the bytes of `input` it read (the head, and a body only as far as it came with it). Sets `close` when the
// connection must close once the response is written.
using Dispatch =
    std::function<std::size_t(std::string_view input, std::string& output, bool& close, const PeerAddress& peer)>;

class HttpFront
{
public:
    // Takes the listening socket (bound, listening, non-blocking); `tls` (not owned, may be null) must outlive
    // the front.
    HttpFront(int listenFd, SSL_CTX* tls, FrontLimits limits, Dispatch dispatch);
    ~HttpFront();
    HttpFront(const HttpFront&) = delete;
    HttpFront& operator=(const HttpFront&) = delete;

    // Serves until stop(); call on the serving thread.
    void run();
    // From any thread: run() returns soon after, every connection closed.
    void stop();

private:
    struct Connection;
    using Clock = std::chrono::steady_clock;

    void acceptAll();
    bool makeRoom();
    void progress(Connection& c);
    bool handshake(Connection& c);
    // After an OpenSSL call on `c` returned `result` <= 0: true when it only waits for the socket to become
    // readable or writable (watched for it), false when the connection failed.
    bool sslRetryLater(Connection& c, int result);
    bool readHead(Connection& c);
    bool writeOut(Connection& c);
    void startReading(Connection& c);
    void watch(Connection& c, uint32_t events);
    void close(int fd);
    int nextTimeoutMs() const;
    void expire();

    int m_listenFd;
    int m_epollFd;
    int m_wakeFd;
    SSL_CTX* m_tls;
    FrontLimits m_limits;
    Dispatch m_dispatch;
    std::unordered_map<int, std::unique_ptr<Connection>> m_connections;
    std::vector<int> m_again; // connections with buffered requests left after their turn
};

} // namespace irqscope::cli

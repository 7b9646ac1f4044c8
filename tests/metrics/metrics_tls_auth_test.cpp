// --web.config.file end to end, against the built irqscope on the simulated device, with certificates and bcrypt
// hashes made at test time (metrics_tls_fixture.h):
//  - TLS with basic auth: the right user and password get the metrics; a wrong password or none gets 401 with
//    WWW-Authenticate; plain HTTP to the TLS port gets no metrics;
//  - RequireAndVerifyClientCert: no certificate, no metrics; a certificate of the configured CA, metrics;
//  - a malformed file, an unknown key, a missing or unreadable certificate or key, a key of another certificate, a
//    hash that is not bcrypt: one line saying what to fix, exit 2, nothing served;
//  - a flood of wrong passwords gets its 401s without costing the server a bcrypt each (a bounded share of its
//    time), and the known scraper keeps being served;
//  - the packaged example file works once its certificate paths point at real files;
//  - 500 idle, half-handshaken or handshaken-but-silent TLS connections do not make a scrape wait past 1 s.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/ssl.h>

#include "metrics_tls_fixture.h"

#include <algorithm>
#include <chrono>
#include <netinet/in.h>
#include <regex>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

using namespace irqscope::metrics_test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct TlsScrape
{
    int status = 0; // 0: no HTTP answer at all
    std::string body;
    std::string authenticate; // WWW-Authenticate
    std::string error;
};

TlsScrape scrapeTls(int port, const TlsFiles& files, const std::string& user = "", const std::string& password = "",
                    bool clientCertificate = false, std::chrono::seconds timeout = 5s)
{
    std::unique_ptr<httplib::SSLClient> client =
        clientCertificate ? std::make_unique<httplib::SSLClient>("127.0.0.1", port, files.path("client.crt"),
                                                                 files.path("client.key"))
                          : std::make_unique<httplib::SSLClient>("127.0.0.1", port);
    client->set_ca_cert_path(files.path("ca.crt").c_str());
    client->enable_server_certificate_verification(true);
    client->set_connection_timeout(timeout);
    client->set_read_timeout(timeout);
    client->set_write_timeout(timeout);
    if (!user.empty())
        client->set_basic_auth(user, password);
    TlsScrape out;
    auto res = client->Get("/metrics");
    if (!res) {
        out.error = httplib::to_string(res.error());
        return out;
    }
    out.status = res->status;
    out.body = res->body;
    out.authenticate = res->get_header_value("WWW-Authenticate");
    return out;
}

int connectLoopback(int port)
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

// TLS clients that complete the handshake and then send nothing, or half a request.
class SilentTlsClients
{
public:
    SilentTlsClients(int port, int count, const std::string& prefix)
        : m_ctx(SSL_CTX_new(TLS_client_method()))
    {
        SSL_CTX_set_verify(m_ctx, SSL_VERIFY_NONE, nullptr);
        for (int i = 0; i < count; ++i) {
            const int fd = connectLoopback(port);
            if (fd < 0)
                continue;
            SSL* ssl = SSL_new(m_ctx);
            SSL_set_fd(ssl, fd);
            if (SSL_connect(ssl) != 1) {
                SSL_free(ssl);
                close(fd);
                continue;
            }
            if (!prefix.empty())
                SSL_write(ssl, prefix.data(), static_cast<int>(prefix.size()));
            m_connections.emplace_back(ssl, fd);
        }
    }
    ~SilentTlsClients()
    {
        for (auto& [ssl, fd] : m_connections) {
            SSL_free(ssl);
            close(fd);
        }
        SSL_CTX_free(m_ctx);
    }
    SilentTlsClients(const SilentTlsClients&) = delete;
    SilentTlsClients& operator=(const SilentTlsClients&) = delete;
    std::size_t connected() const { return m_connections.size(); }

private:
    SSL_CTX* m_ctx;
    std::vector<std::pair<SSL*, int>> m_connections;
};

class RawClients
{
public:
    RawClients(int port, int count, const std::string& prefix)
    {
        for (int i = 0; i < count; ++i)
            if (const int fd = connectLoopback(port); fd >= 0) {
                if (!prefix.empty())
                    (void)!send(fd, prefix.data(), prefix.size(), MSG_NOSIGNAL);
                m_fds.push_back(fd);
            }
    }
    ~RawClients()
    {
        for (int fd : m_fds)
            close(fd);
    }
    RawClients(const RawClients&) = delete;
    RawClients& operator=(const RawClients&) = delete;
    std::size_t connected() const { return m_fds.size(); }

private:
    std::vector<int> m_fds;
};

class TlsAuth : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (!m_files.error().empty())
            GTEST_SKIP() << m_files.error();
    }
    Process startExporter(const std::string& config, const std::string& name = "exporter")
    {
        return Process(
            cli({"exporter", "--device", "sim", "--vectors", "msix:0", "--metrics", "0", "--web.config.file", config}),
            m_dir.path() / (name + ".out"), m_dir.path() / (name + ".err"));
    }

    TempDir m_dir;
    TlsFiles m_files{m_dir.path()};
};

} // namespace

TEST_F(TlsAuth, TheRightUserGetsMetricsAWrongOneOrPlainHttpDoesNot)
{
    const std::string config =
        m_files.webConfig("web.yml", {{"prometheus", bcryptHash("s3cret")}, {"grafana", bcryptHash("other", "$2y$")}});
    Process exporter = startExporter(config);
    const int port = exporter.metricsPort(kGenerous);
    ASSERT_GT(port, 0) << exporter.err();
    EXPECT_NE(exporter.out().find(fmt::format("https://127.0.0.1:{}/metrics", port)), std::string::npos)
        << exporter.out();

    TlsScrape good;
    ASSERT_TRUE(eventually([&] {
        good = scrapeTls(port, m_files, "prometheus", "s3cret");
        return good.status == 200;
    })) << good.error;
    EXPECT_NE(good.body.find("irqscope_build_info"), std::string::npos);
    EXPECT_EQ(scrapeTls(port, m_files, "grafana", "other").status, 200) << "a $2y$ hash verifies too";

    for (const auto& [user, password] : {std::pair{"prometheus", "wrong"}, std::pair{"nobody", "s3cret"},
                                         std::pair{"grafana", "s3cret"}, std::pair{"", ""}}) {
        const auto refused = scrapeTls(port, m_files, user, password);
        EXPECT_EQ(refused.status, 401) << user << ":" << password << " " << refused.error;
        EXPECT_EQ(refused.body.find("irqscope_"), std::string::npos);
        EXPECT_EQ(refused.authenticate.rfind("Basic ", 0), 0u) << refused.authenticate;
    }

    // Plain HTTP to the TLS port: no metrics (the handshake fails on the request line and the connection closes).
    httplib::Client plain("127.0.0.1", port);
    plain.set_read_timeout(5, 0);
    plain.set_basic_auth("prometheus", "s3cret");
    auto res = plain.Get("/metrics");
    EXPECT_TRUE(!res || res->body.find("irqscope_") == std::string::npos);

    exporter.signal(SIGTERM);
    EXPECT_EQ(exporter.wait(kGenerous), 0) << exporter.err();
}

TEST_F(TlsAuth, RequireAndVerifyClientCertServesOnlyClientsOfTheConfiguredCa)
{
    const std::string config = m_files.webConfig("web.yml", {},
                                                 fmt::format("  client_auth_type: RequireAndVerifyClientCert\n"
                                                             "  client_ca_file: {}\n",
                                                             m_files.path("ca.crt")));
    Process exporter = startExporter(config);
    const int port = exporter.metricsPort(kGenerous);
    ASSERT_GT(port, 0) << exporter.err();
    TlsScrape withCert;
    ASSERT_TRUE(eventually([&] {
        withCert = scrapeTls(port, m_files, "", "", true);
        return withCert.status == 200;
    })) << withCert.error;
    const auto withoutCert = scrapeTls(port, m_files);
    EXPECT_EQ(withoutCert.status, 0) << "served a client without a certificate";
    EXPECT_EQ(withoutCert.body, "");
    exporter.signal(SIGTERM);
    EXPECT_EQ(exporter.wait(kGenerous), 0) << exporter.err();
}

TEST_F(TlsAuth, ABadWebConfigIsOneLineSayingWhatToFixAndNothingIsServed)
{
    const fs::path dir = m_dir.path();
    auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir / name) << text;
        return (dir / name).string();
    };
    const std::string cert = m_files.path("server.crt");
    const std::string key = m_files.path("server.key");
    std::ofstream(dir / "garbage.key") << "not a key\n";
    struct Case
    {
        std::string config;
        std::string message;
    };
    const std::vector<Case> cases = {
        {(dir / "absent.yml").string(), "cannot be read"},
        {write("malformed.yml", "tls_server_config:\n  cert_file: [unclosed\n"), "is not valid YAML"},
        {write("unknown.yml", "tls_server_config:\n  cert_file: a\nbasic_auth_user:\n  x: y\n"),
         "unknown key 'basic_auth_user'"},
        {write("unknown-tls.yml",
               fmt::format("tls_server_config:\n  cert_file: {}\n  key_file: {}\n  keyfile: x\n", cert, key)),
         "unknown key tls_server_config.keyfile"},
        {write("no-cert.yml",
               fmt::format("tls_server_config:\n  cert_file: {}/none.crt\n  key_file: {}\n", dir.string(), key)),
         "tls_server_config.cert_file '" + dir.string() + "/none.crt' cannot be read"},
        {write("no-key.yml", fmt::format("tls_server_config:\n  cert_file: {}\n", cert)), "key_file is missing"},
        {write("bad-key.yml",
               fmt::format("tls_server_config:\n  cert_file: {}\n  key_file: {}/garbage.key\n", cert, dir.string())),
         "is not an unencrypted PEM private key"},
        {write("other-key.yml",
               fmt::format("tls_server_config:\n  cert_file: {}\n  key_file: {}\n", cert, m_files.path("other.key"))),
         "is not the key of cert_file"},
        {write("md5.yml", "basic_auth_users:\n  prometheus: '$1$salt$qJH7.N4xYta3aEG/dfqo/0'\n"),
         "basic_auth_users.prometheus: not a bcrypt hash"},
        {write("plain.yml", "basic_auth_users:\n  prometheus: s3cret\n"), "not a bcrypt hash"},
        {write("no-ca.yml", fmt::format("tls_server_config:\n  cert_file: {}\n  key_file: {}\n"
                                        "  client_auth_type: RequireAndVerifyClientCert\n",
                                        cert, key)),
         "needs client_ca_file"},
        {write("auth-type.yml",
               fmt::format("tls_server_config:\n  cert_file: {}\n  key_file: {}\n  client_auth_type: Always\n", cert,
                           key)),
         "'Always' is not one of"},
        {write("inline.yml", "tls_server_config:\n  cert: |\n    -----BEGIN CERTIFICATE-----\n"),
         "tls_server_config.cert is not supported by irqscope"},
    };
    int i = 0;
    for (const auto& c : cases) {
        for (const bool run : {false, true}) {
            const auto args =
                run ? cli({"run", "--device", "sim", "--duration", "1s", "--no-live", "--metrics", "0",
                           "--web.config.file", c.config})
                    : cli({"exporter", "--device", "sim", "--metrics", "0", "--web.config.file", c.config});
            Process p(args, dir / fmt::format("{}.out", i), dir / fmt::format("{}.err", i));
            ++i;
            EXPECT_EQ(p.wait(kGenerous), 2) << c.config;
            const std::string err = p.err();
            EXPECT_NE(err.find(c.message), std::string::npos) << c.config << ": " << err;
            EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
            EXPECT_EQ(err.rfind("irqscope: error: --web.config.file ", 0), 0u) << err;
            EXPECT_EQ((p.out() + err).find("/metrics"), std::string::npos) << "served: " << p.out();
        }
    }
    Process alone(cli({"run", "--device", "sim", "--duration", "1s", "--web.config.file", cases[1].config}),
                  dir / "alone.out", dir / "alone.err");
    EXPECT_EQ(alone.wait(kGenerous), 2);
    EXPECT_NE(alone.err().find("give --metrics"), std::string::npos) << alone.err();
}

TEST_F(TlsAuth, ThePackagedExampleServesOnceItsCertificatePathsAreReal)
{
    std::string example = readFile(IRQSCOPE_WEB_CONFIG_EXAMPLE);
    ASSERT_NE(example.find("/etc/irqscope/tls/server.crt"), std::string::npos);
    example = std::regex_replace(example, std::regex("/etc/irqscope/tls/server.crt"), m_files.path("server.crt"));
    example = std::regex_replace(example, std::regex("/etc/irqscope/tls/server.key"), m_files.path("server.key"));
    const fs::path config = m_dir.path() / "example.yml";
    std::ofstream(config) << example;
    Process exporter = startExporter(config.string());
    const int port = exporter.metricsPort(kGenerous);
    ASSERT_GT(port, 0) << exporter.err();
    TlsScrape scraped;
    EXPECT_TRUE(eventually([&] {
        scraped = scrapeTls(port, m_files, "prometheus", "change-me");
        return scraped.status == 200;
    })) << scraped.status
        << " " << scraped.error;
    exporter.signal(SIGTERM);
    EXPECT_EQ(exporter.wait(kGenerous), 0) << exporter.err();
}

TEST_F(TlsAuth, FiveHundredIdleOrHalfHandshakenTlsConnectionsDoNotStarveScrapes)
{
    const std::string config = m_files.webConfig("web.yml", {{"prometheus", bcryptHash("s3cret")}});
    Process exporter = startExporter(config);
    const int port = exporter.metricsPort(kGenerous);
    ASSERT_GT(port, 0) << exporter.err();
    ASSERT_TRUE(eventually([&] { return scrapeTls(port, m_files, "prometheus", "s3cret").status == 200; }));
    auto quickScrape = [&](const std::string& what, int i) {
        const auto started = std::chrono::steady_clock::now();
        const auto r = scrapeTls(port, m_files, "prometheus", "s3cret", false, 1s);
        const auto took = std::chrono::steady_clock::now() - started;
        EXPECT_EQ(r.status, 200) << what << " scrape " << i << ": " << r.error;
        EXPECT_LE(took, 1s) << what << " scrape " << i;
    };
    // A ClientHello's first bytes (record header of a handshake record), then nothing.
    const std::string partialHello("\x16\x03\x01\x02\x00\x01", 6);
    for (const auto& [what, prefix] : {std::pair{"idle", std::string()}, std::pair{"half-handshaken", partialHello}}) {
        RawClients hostile(port, 500, prefix);
        EXPECT_EQ(hostile.connected(), 500u) << what;
        for (int i = 0; i < 3; ++i)
            quickScrape(what, i);
    }
    {
        // Handshaken, then half a request: the server holds their TLS state, within its connection cap.
        SilentTlsClients hostile(port, 200, "GET /metrics HTTP/1.1\r\n");
        EXPECT_GE(hostile.connected(), 100u);
        for (int i = 0; i < 3; ++i)
            quickScrape("handshaken", i);
    }
    EXPECT_TRUE(exporter.running()) << exporter.err();
    exporter.signal(SIGTERM);
    EXPECT_EQ(exporter.wait(kGenerous), 0) << exporter.err();
}

TEST_F(TlsAuth, AFloodOfWrongPasswordsTakesABoundedShareOfTheServer)
{
    // A costly hash (cost 13): one check takes this machine `oneBcrypt`, measured here, whatever the machine.
    const std::string hash = bcryptHash("right", "$2b$", 13);
    ASSERT_FALSE(hash.empty());
    auto oneBcrypt = std::chrono::steady_clock::duration::max();
    for (int i = 0; i < 2; ++i) {
        const auto started = std::chrono::steady_clock::now();
        crypt_data data{};
        crypt_r("wrong", hash.c_str(), &data);
        oneBcrypt = std::min(oneBcrypt, std::chrono::steady_clock::now() - started);
    }
    Process exporter = startExporter(m_files.webConfig("web.yml", {{"prometheus", hash}}));
    const int port = exporter.metricsPort(kGenerous);
    ASSERT_GT(port, 0) << exporter.err();
    ASSERT_TRUE(eventually([&] { return scrapeTls(port, m_files, "prometheus", "right", false, 60s).status == 200; }));

    // 30 wrong passwords, one after the other: checking each would take 30 bcrypts; the server's budget lets
    // bcrypt take a quarter of its time (and half a second banked), so they are all refused within a few.
    httplib::SSLClient attacker("127.0.0.1", port);
    attacker.set_ca_cert_path(m_files.path("ca.crt").c_str());
    attacker.enable_server_certificate_verification(true);
    attacker.set_keep_alive(true);
    attacker.set_read_timeout(60, 0);
    attacker.set_basic_auth("prometheus", "wrong");
    const auto started = std::chrono::steady_clock::now();
    int refused = 0;
    for (int i = 0; i < 30; ++i)
        if (auto res = attacker.Get("/metrics"); res && res->status == 401)
            ++refused;
    const auto flood = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(refused, 30);
    const double bcrypts = std::chrono::duration<double>(flood) / std::chrono::duration<double>(oneBcrypt);
    std::printf("30 wrong passwords answered in %.2f s = %.1f bcrypts of %.0f ms\n",
                std::chrono::duration<double>(flood).count(), bcrypts,
                std::chrono::duration<double, std::milli>(oneBcrypt).count());
    EXPECT_LT(bcrypts, 10) << "each wrong password cost the server a bcrypt";

    // The known scraper's remembered password needs no bcrypt: served right after the flood.
    EXPECT_EQ(scrapeTls(port, m_files, "prometheus", "right").status, 200);
    exporter.signal(SIGTERM);
    EXPECT_EQ(exporter.wait(kGenerous), 0) << exporter.err();
}

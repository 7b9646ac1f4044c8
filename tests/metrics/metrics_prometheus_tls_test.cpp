// A real Prometheus (Debian's package) scrapes the exporter-style endpoint over TLS with basic auth, configured
// as an operator would (scheme https, tls_config.ca_file, basic_auth), and histogram_quantile() over what it
// stored answers; a second job with a wrong password stays down, its scrapes refused.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "metrics_tls_fixture.h"

#include <chrono>
#include <cmath>
#include <string>

using namespace irqscope::metrics_test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(MetricsPrometheusTls, ScrapesOverTlsWithBasicAuthAndHistogramQuantileAnswers)
{
    const auto prometheus = findProgram("prometheus");
    if (!prometheus)
        GTEST_SKIP() << "prometheus is not installed (apt-get install prometheus): the scrape test needs it";
    TempDir dir;
    TlsFiles files(dir.path());
    if (!files.error().empty())
        GTEST_SKIP() << files.error();
    const std::string config = files.webConfig("web.yml", {{"prometheus", bcryptHash("scrape-pass")}});
    Process run(cli({"run", "--device", "sim", "--vectors", "msix:0-1", "--trigger", "device", "--rate", "500",
                     "--duration", "0", "--no-live", "--metrics", "0", "--web.config.file", config}),
                dir.path() / "run.out", dir.path() / "run.err");
    const int port = run.metricsPort(kGenerous);
    ASSERT_GT(port, 0) << run.err();

    const int promPort = freePort();
    std::ofstream(dir.path() / "prometheus.yml") << fmt::format(R"(global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: irqscope
    scheme: https
    tls_config:
      ca_file: {0}
    basic_auth:
      username: prometheus
      password: scrape-pass
    static_configs:
      - targets: ['127.0.0.1:{1}']
  - job_name: wrong-password
    scheme: https
    tls_config:
      ca_file: {0}
    basic_auth:
      username: prometheus
      password: not-the-pass
    static_configs:
      - targets: ['127.0.0.1:{1}']
)",
                                                                files.path("ca.crt"), port);
    Process prom({*prometheus, "--config.file=" + (dir.path() / "prometheus.yml").string(),
                  "--storage.tsdb.path=" + (dir.path() / "data").string(),
                  fmt::format("--web.listen-address=127.0.0.1:{}", promPort), "--log.level=warn"},
                 dir.path() / "prom.out", dir.path() / "prom.err");
    httplib::Client api("127.0.0.1", promPort);
    api.set_read_timeout(10, 0);
    auto query = [&](const std::string& expr) {
        auto res = api.Get("/api/v1/query", httplib::Params{{"query", expr}}, httplib::Headers{});
        return res && res->status == 200 ? nlohmann::json::parse(res->body) : nlohmann::json();
    };
    auto firstValue = [](const nlohmann::json& r) {
        return r.is_object() && !r["data"]["result"].empty()
                   ? std::stod(r["data"]["result"][0]["value"][1].get<std::string>())
                   : std::nan("");
    };
    // At least 4 successful scrapes, however long this machine takes to get there.
    double scrapes = 0;
    EXPECT_TRUE(eventually([&] {
        scrapes = firstValue(query(R"(count_over_time(irqscope_build_info{job="irqscope"}[5m]))"));
        return scrapes >= 4 || !prom.running();
    })) << prom.err();
    ASSERT_GE(scrapes, 4) << "Prometheus did not scrape irqscope over TLS: " << prom.err();
    EXPECT_EQ(firstValue(query(R"(up{job="irqscope"})")), 1);

    const double p99 = firstValue(query(
        R"(histogram_quantile(0.99, sum by (le) (irqscope_latency_seconds_bucket{job="irqscope",subindex="0"})))"));
    EXPECT_TRUE(std::isfinite(p99) && p99 > 0) << "histogram_quantile gave " << p99;
    std::printf("Prometheus over TLS with basic auth: %.0f scrapes, histogram_quantile(0.99) %.1f us\n", scrapes,
                p99 * 1e6);

    // The wrong password's job has been scraped (up exists) and never succeeded (up is 0, no series stored).
    EXPECT_TRUE(eventually([&] { return !std::isnan(firstValue(query(R"(up{job="wrong-password"})"))); }));
    EXPECT_EQ(firstValue(query(R"(max_over_time(up{job="wrong-password"}[5m]))")), 0);
    EXPECT_TRUE(std::isnan(firstValue(query(R"(irqscope_build_info{job="wrong-password"})"))));

    run.signal(SIGTERM);
    EXPECT_EQ(run.wait(kGenerous), 143) << run.err();
}

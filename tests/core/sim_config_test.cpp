// The simulated device's option parsers: kernel model, latency distribution and faults, good and bad input.
#include "sim/sim_config.h"

#include <gtest/gtest.h>

using namespace irqscope::core;

TEST(SimConfigParse, KernelModels)
{
    EXPECT_EQ(parseSimKernel("6.1"), SimKernel::Linux6_1);
    EXPECT_EQ(parseSimKernel("6.12"), SimKernel::Linux6_12);
    EXPECT_FALSE(parseSimKernel("6.6"));
    EXPECT_FALSE(parseSimKernel(""));
    EXPECT_EQ(simKernelName(SimKernel::Linux6_1), "6.1");
    EXPECT_EQ(simKernelName(SimKernel::Linux6_12), "6.12");
}

TEST(SimConfigParse, LatencyDistributions)
{
    using Kind = LatencyDistribution::Kind;
    std::string error;
    auto d = parseLatencyDistribution("none", error);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->kind, Kind::None);
    d = parseLatencyDistribution("fixed:5us", error);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->kind, Kind::Fixed);
    EXPECT_DOUBLE_EQ(d->a, 5000);
    d = parseLatencyDistribution("uniform:2us-10us", error);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->kind, Kind::Uniform);
    EXPECT_DOUBLE_EQ(d->a, 2000);
    EXPECT_DOUBLE_EQ(d->b, 10000);
    d = parseLatencyDistribution("normal:10us,2us", error);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->kind, Kind::Normal);
    EXPECT_DOUBLE_EQ(d->b, 2000);
    d = parseLatencyDistribution("lognormal:8us,0.5", error);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->kind, Kind::LogNormal);
    EXPECT_DOUBLE_EQ(d->a, 8000);
    EXPECT_DOUBLE_EQ(d->b, 0.5);
    d = parseLatencyDistribution("exp:20us", error);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->kind, Kind::Exponential);
    EXPECT_DOUBLE_EQ(d->a, 20000);
    for (const auto& [text, ns] : {std::pair{"fixed:250ns", 250.0}, std::pair{"fixed:1.5ms", 1.5e6},
                                   std::pair{"fixed:2s", 2e9}, std::pair{"fixed:3\xc2\xb5s", 3000.0}}) {
        d = parseLatencyDistribution(text, error);
        ASSERT_TRUE(d) << text;
        EXPECT_DOUBLE_EQ(d->a, ns) << text;
    }
}

TEST(SimConfigParse, BadLatencyDistributionsGiveOneLineErrors)
{
    std::string error;
    EXPECT_FALSE(parseLatencyDistribution("foo", error));
    EXPECT_EQ(error, "unknown latency distribution 'foo': use none, fixed:5us, uniform:2us-10us, normal:10us,2us, "
                     "lognormal:8us,0.5 or exp:20us");
    for (const char* bad :
         {"", "fixed:5", "fixed:", "fixed:-5us", "fixed:5xs", "uniform:10us-2us", "uniform:2us", "normal:10us",
          "normal:10us,x", "lognormal:8us,abc", "lognormal:0us,0.5", "exp:us", "gamma:5us", "none:1"}) {
        error.clear();
        EXPECT_FALSE(parseLatencyDistribution(bad, error)) << bad;
        EXPECT_NE(error.find("use none, fixed:5us"), std::string::npos) << bad << ": " << error;
        EXPECT_EQ(error.find('\n'), std::string::npos);
    }
}

TEST(SimConfigParse, Faults)
{
    std::string error;
    auto f = parseSimFaults("drop=0.01,delay=0.1@2ms,spurious=50,stuck-mask=intx:0+msix:3,seed=7", error);
    ASSERT_TRUE(f) << error;
    EXPECT_DOUBLE_EQ(f->dropProbability, 0.01);
    EXPECT_DOUBLE_EQ(f->delayProbability, 0.1);
    EXPECT_EQ(f->delayNs, 2'000'000u);
    EXPECT_DOUBLE_EQ(f->spuriousRateHz, 50);
    EXPECT_EQ(f->stuckMask, (std::vector<std::string>{"intx:0", "msix:3"}));
    EXPECT_EQ(f->seed, 7u);
    f = parseSimFaults("", error);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->dropProbability, 0);
    EXPECT_TRUE(parseSimFaults("none", error));
    EXPECT_TRUE(parseSimFaults("stuck-mask=msi:31+msix:2047", error));
}

TEST(SimConfigParse, BadFaultsGiveOneLineErrors)
{
    std::string error;
    EXPECT_FALSE(parseSimFaults("drop=2", error));
    EXPECT_NE(error.find("bad drop probability"), std::string::npos) << error;
    for (const char* bad :
         {"drop", "drop=", "drop=-0.1", "delay=0.1", "delay=0.1@2", "delay=x@2ms", "spurious=-1", "spurious=fast",
          "stuck-mask=", "stuck-mask=msix", "stuck-mask=msix:2048", "stuck-mask=msi:32", "stuck-mask=intx:1",
          "stuck-mask=err:0", "seed=-1", "seed=1.5", "wobble=1", "drop=0.1,,seed=1"}) {
        error.clear();
        EXPECT_FALSE(parseSimFaults(bad, error)) << bad;
        EXPECT_NE(error.find("use drop=P"), std::string::npos) << bad << ": " << error;
        EXPECT_EQ(error.find('\n'), std::string::npos);
    }
}

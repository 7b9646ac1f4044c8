// summarizeLatency(): the percentile set of a LatencySummary from one histogram.
#include "stats/latency_summary.h"

namespace irqscope::core {

LatencySummary summarizeLatency(const LogHistogram& histogram)
{
    LatencySummary s;
    if (histogram.count() == 0)
        return s;
    s.count = histogram.count();
    s.minNs = histogram.min();
    s.maxNs = histogram.max();
    s.meanNs = histogram.mean();
    s.p50Ns = histogram.percentile(0.5);
    s.p90Ns = histogram.percentile(0.9);
    s.p99Ns = histogram.percentile(0.99);
    s.p999Ns = histogram.percentile(0.999);
    s.p9999Ns = histogram.percentile(0.9999);
    return s;
}

} // namespace irqscope::core

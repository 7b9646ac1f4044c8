// Paced replay of a recording into the aggregator, on the player's own thread.
#include "session/replay_player.h"

#include "base/monotonic_clock.h"
#include "record/replay_final.h"

#include <algorithm>
#include <chrono>
#include <mutex>

namespace irqscope::ui {

namespace {
std::mutex g_errorMutex; // ReplayPlayer::m_error (written once by the thread, read by the GUI)
}

std::unique_ptr<ReplayPlayer> ReplayPlayer::open(const std::string& path, std::string& error)
{
    auto reader = std::make_shared<core::RecordingReader>();
    error = reader->open(path);
    if (!error.empty())
        return nullptr;
    return std::unique_ptr<ReplayPlayer>(new ReplayPlayer(std::move(reader)));
}

ReplayPlayer::ReplayPlayer(std::shared_ptr<core::RecordingReader> reader)
    : m_reader(std::move(reader))
    , m_source(m_reader->recording())
    , m_aggregator(m_source)
{}

ReplayPlayer::~ReplayPlayer()
{
    m_stop.store(true, std::memory_order_relaxed);
    if (m_thread.joinable())
        m_thread.join();
    m_aggregator.stop();
}

void ReplayPlayer::start(double speed)
{
    if (m_thread.joinable())
        return;
    m_speed.store(speed, std::memory_order_relaxed);
    m_aggregator.start();
    m_thread = std::thread([this] { run(); });
}

bool ReplayPlayer::waitUntil(int64_t at, double speed, int64_t wallBase, int64_t recordBase)
{
    const int64_t now = core::monotonicNs();
    const auto recordedNow = recordBase + static_cast<int64_t>(static_cast<double>(now - wallBase) * speed);
    const int64_t origin = m_reader->recording().meta.originNs;
    // The clock follows the recorded time reached (never past the sample not yet pushed), so rates fall between
    // samples as they did in the run.
    m_source.advanceClock(origin + std::min(recordedNow, at));
    const int64_t due = wallBase + static_cast<int64_t>(static_cast<double>(at - recordBase) / speed);
    if (due <= now)
        return false;
    std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<int64_t>(due - now, 20'000'000)));
    return true;
}

void ReplayPlayer::run()
{
    const core::Recording& rec = m_reader->recording();
    const std::size_t room = m_source.samples().capacity() - 1;
    // Pacing: sample time (relative to the recording's origin) maps to now through a base that moves whenever
    // the speed changes, so a new speed applies from the current sample on.
    double lastSpeed = -1;
    int64_t wallBase = 0;
    int64_t recordBase = 0;
    uint64_t pushed = 0;
    const std::string err = m_reader->forEachSample([&](const core::Sample* samples, std::size_t n) {
        for (std::size_t i = 0; i < n && !m_stop.load(std::memory_order_relaxed); ++i) {
            const core::Sample& s = samples[i];
            const int64_t at = s.completionNs - rec.meta.originNs;
            for (;;) {
                const double speed = m_speed.load(std::memory_order_relaxed);
                if (speed != lastSpeed) {
                    lastSpeed = speed;
                    wallBase = core::monotonicNs();
                    recordBase = at;
                }
                if (speed <= 0 || m_stop.load(std::memory_order_relaxed))
                    break;
                if (!waitUntil(at, speed, wallBase, recordBase))
                    break;
            }
            while (!m_stop.load(std::memory_order_relaxed) && pushed - m_aggregator.samplesDrained() >= room)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            if (!m_stop.load(std::memory_order_relaxed) && m_source.push(s))
                m_pushed.store(++pushed, std::memory_order_relaxed);
        }
    });
    // At a recorded pace, the run's last second without samples plays too: rates fall as they did.
    const int64_t end = rec.final.monotonicNs - rec.meta.originNs;
    while (err.empty() && !m_stop.load(std::memory_order_relaxed)) {
        const double speed = m_speed.load(std::memory_order_relaxed);
        if (speed <= 0)
            break;
        if (speed != lastSpeed) {
            lastSpeed = speed;
            wallBase = core::monotonicNs();
            recordBase = m_source.nowNs() - rec.meta.originNs;
        }
        if (!waitUntil(end, speed, wallBase, recordBase))
            break;
    }
    if (err.empty() && !m_stop.load(std::memory_order_relaxed)) {
        m_source.finish(); // the recorded final counters and states
        m_completed = true;
    }
    {
        std::lock_guard lock(g_errorMutex);
        m_error = err;
    }
    m_finished.store(true, std::memory_order_release);
}

std::string ReplayPlayer::error() const
{
    std::lock_guard lock(g_errorMutex);
    return m_error;
}

std::shared_ptr<const core::Snapshot> ReplayPlayer::latest()
{
    if (m_final)
        return m_final;
    if (finished()) {
        if (m_thread.joinable())
            m_thread.join();
        auto replayed = m_aggregator.finalSnapshot(); // drains what is left
        // Played to the end: the recording's final snapshot with the replayed latencies (replay_final.h).
        m_final =
            m_completed
                ? std::make_shared<const core::Snapshot>(core::replayFinalSnapshot(m_reader->recording(), *replayed))
                : std::move(replayed);
        return m_final;
    }
    return m_aggregator.latest();
}

double ReplayPlayer::progress() const
{
    const uint64_t total = m_reader->recording().sampleCount;
    return total ? static_cast<double>(m_pushed.load(std::memory_order_relaxed)) / static_cast<double>(total) : 1.0;
}

} // namespace irqscope::ui

// Shared UI test fixtures: fake host trees and a recording.
#include "fixtures.h"

#include "engine/engine.h"
#include "record/recording_meta.h"
#include "record/recording_writer.h"
#include "report/system_info.h"
#include "sim/sim_device.h"
#include "stats/aggregator.h"
#include "stats/stats_source.h"

#include <QtGlobal>

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <thread>
#include <unistd.h>
#include <utility>

namespace irqscope::ui::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// 256 bytes of config space with an INTx pin and an MSI-X capability of `msix` vectors.
std::string configWithMsix(uint16_t msix)
{
    std::string c(256, '\0');
    c[0x06] = 0x10; // status: capability list
    c[0x3d] = 1;    // INTA#
    c[0x34] = 0x40;
    c[0x40] = 0x11; // MSI-X
    c[0x41] = 0;
    c[0x42] = static_cast<char>((msix - 1) & 0xff);
    c[0x43] = static_cast<char>((msix - 1) >> 8);
    return c;
}

} // namespace

FakeHost::FakeHost()
    : m_root(fs::temp_directory_path() / ("irqscope_ui_host_" + std::to_string(getpid())))
{
    fs::remove_all(m_root);
    fs::create_directories(m_root / "sys/bus/pci/devices");
    fs::create_directories(m_root / "sys/bus/pci/drivers/vfio-pci");
    fs::create_directories(m_root / "sys/bus/pci/drivers/e1000e");
    fs::create_directories(m_root / "proc");
    fs::create_directories(m_root / "dev/dev/vfio");
}

FakeHost::~FakeHost()
{
    std::error_code ec;
    fs::remove_all(m_root, ec);
}

DeviceRoots FakeHost::roots() const
{
    DeviceRoots r;
    r.sysfs = (m_root / "sys").string();
    r.proc = (m_root / "proc").string();
    r.devRoot = (m_root / "dev").string();
    return r;
}

void FakeHost::device(const std::string& bdf, const std::string& driver, int group, uint16_t msix)
{
    const auto dir = m_root / "sys/devices/pci0000:00" / bdf;
    fs::create_directories(dir);
    std::ofstream(dir / "vendor") << "0x1234\n";
    std::ofstream(dir / "device") << "0x11e8\n";
    std::ofstream(dir / "config", std::ios::binary) << configWithMsix(msix);
    fs::create_directory_symlink(dir, m_root / "sys/bus/pci/devices" / bdf);
    fs::create_directory_symlink(m_root / "sys/bus/pci/drivers" / driver, dir / "driver");
    if (driver == "vfio-pci")
        fs::create_directory_symlink(dir, m_root / "sys/bus/pci/drivers/vfio-pci" / bdf);
    const auto g = m_root / "sys/kernel/iommu_groups" / std::to_string(group);
    fs::create_directories(g);
    fs::create_directory_symlink(g, dir / "iommu_group");
}

void FakeHost::groupNode(int group, fs::perms mode)
{
    const auto node = m_root / "dev/dev/vfio" / std::to_string(group);
    std::ofstream(node).flush();
    fs::permissions(node, mode);
}

void FakeHost::owner(int pid, const std::string& comm, const std::string& target)
{
    const auto dir = m_root / "proc" / std::to_string(pid);
    fs::create_directories(dir / "fd");
    std::ofstream(dir / "comm") << comm << "\n";
    fs::create_symlink(target, dir / "fd/7");
}

void FakeHost::interrupts(uint64_t a, uint64_t b)
{
    std::ofstream(m_root / "proc/interrupts.tmp")
        << "           CPU0       CPU1\n"
        << " 24:   " << a << "          0   PCI-MSI 32768-edge      vfio-msix[0](0000:00:02.0)\n"
        << " 25:          0   " << b << "   PCI-MSI 32769-edge      vfio-msix[1](0000:00:02.0)\n";
    fs::rename(m_root / "proc/interrupts.tmp", m_root / "proc/interrupts");
    for (const auto& [irq, cpu] : {std::pair{24, "0"}, std::pair{25, "1"}}) {
        fs::create_directories(m_root / "proc/irq" / std::to_string(irq));
        std::ofstream(m_root / "proc/irq" / std::to_string(irq) / "effective_affinity_list") << cpu << "\n";
    }
}

// A recording as `irqscope run --record` writes one: the simulated device, msix:0-7 triggered by loopback at
// 1 kHz for ~0.4 s, then META, FINAL and END. Returns the final snapshot it recorded.
core::Snapshot makeRecording(const std::string& path)
{
    core::SimDevice device{core::SimConfig{}};
    core::EngineConfig config;
    config.rateHz = 1000;
    core::Engine engine(device, config);
    if (auto err = engine.start())
        qFatal("engine: %s", err->c_str());
    core::RecordingWriter writer;
    if (auto err = writer.open(path); !err.empty())
        qFatal("recording: %s", err.c_str());
    writer.writeText(core::SectionType::InterruptsBefore, "           CPU0\n");
    core::EngineStatsSource source(engine);
    core::Aggregator aggregator(source);
    aggregator.setSampleSink([&writer](const core::Sample* s, std::size_t n) { writer.writeSamples(s, n); });
    aggregator.start();
    for (auto kind : {core::CommandKind::Arm, core::CommandKind::StartTriggering}) {
        core::Command c;
        c.kind = kind;
        c.index = core::IrqIndex::Msix;
        c.start = 0;
        c.count = 8;
        if (engine.execute(c, 2s).error)
            qFatal("arming the simulated device failed");
    }
    // At least 0.4 s of recorded time (the replay tests' time charts), and at least 100 completions on every vector
    // however slowly the machine fires them (up to the generous wait).
    std::this_thread::sleep_for(400ms);
    const auto giveUp = std::chrono::steady_clock::now() + std::chrono::milliseconds(kGenerousWaitMs);
    const auto everyVectorCompleted = [&](uint64_t n) {
        for (uint32_t sub = 0; sub < 8; ++sub)
            if (engine.counters(engine.slots().slot({core::IrqIndex::Msix, sub})).read().completed < n)
                return false;
        return true;
    };
    while (!everyVectorCompleted(100) && std::chrono::steady_clock::now() < giveUp)
        std::this_thread::sleep_for(10ms);
    engine.stop();
    const auto final = aggregator.finalSnapshot();
    core::RecordingMeta meta;
    meta.deviceId = "sim";
    meta.run.deviceDescription = device.info().description;
    meta.run.vectors = "msix:0-7";
    meta.run.trigger = "loopback";
    meta.run.rateHz = 1000;
    meta.system = core::collectSystemInfo();
    for (uint32_t i = 0; i < core::kNumPciIrqIndexes; ++i)
        meta.slotCounts[i] = engine.slots().count(static_cast<core::IrqIndex>(i));
    meta.originNs = engine.status().startedNs;
    writer.writeText(core::SectionType::Meta, core::metaJson(meta).dump());
    writer.writeText(core::SectionType::InterruptsAfter, "           CPU0\n");
    writer.writeText(core::SectionType::Final, core::snapshotJson(*final).dump());
    if (auto err = writer.finish(); !err.empty())
        qFatal("recording: %s", err.c_str());
    return *final;
}

} // namespace irqscope::ui::test

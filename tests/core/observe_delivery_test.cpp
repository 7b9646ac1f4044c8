// Delivery per observed vector on recorded texts (docs/observer.md "Delivery"): kvm_pi_irte_update in the format up
// to 6.16 and the one from 6.17, the posting facts of an Intel host with and without VT-d posted interrupts, an AMD
// host with AVIC and the IOMMU's guest virtual APIC, a 6.16 host with enable_device_posted_irqs, /proc/interrupts
// with and without the PIN/PIW rows, and every decision; a posted vector never shows a rate of 0.
#include "metrics/prometheus_text.h"
#include "observe/irq_delivery.h"
#include "observe/irq_sample.h"
#include "observe/observe_report.h"
#include "observe/observe_table.h"
#include "observe/observer_model.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace irqscope::core;
namespace fs = std::filesystem;

namespace {

// Lines as trace_pipe prints them (arch/x86/kvm/trace.h, TP_printk of kvm_pi_irte_update).
constexpr const char* kIrteUpTo616Set = "       CPU 0/KVM-2345    [003] .....   812.345678: kvm_pi_irte_update: PI is "
                                        "enabled and being updated for irq 58, vcpu 1, gsi: 0x1a, gvec: 0x41, "
                                        "pi_desc_addr: 0x10a2c3e40";
constexpr const char* kIrteUpTo616Unset =
    "       CPU 0/KVM-2345    [003] .....   813.000001: kvm_pi_irte_update: PI is "
    "disabled for irq 58, vcpu 1, gsi: 0x1a, gvec: 0x41, pi_desc_addr: 0x10a2c3e40";
constexpr const char* kIrteFrom617Posted =
    " qemu-system-x86-2300    [001] d..1.   90.000100: kvm_pi_irte_update: PI is "
    "enabled and being updated for irq 60, vcpu 2, gsi: 0x1c, gvec: 0x23";
constexpr const char* kIrteFrom617Remapped = " qemu-system-x86-2300    [001] d..1.   91.500000: kvm_pi_irte_update: PI "
                                             "is disabled for irq 61, vcpu -1, gsi: 0x1d, gvec: 0x24";

class FakeSys
{
public:
    FakeSys()
        : m_root(fs::temp_directory_path() /
                 ("irqscope_delivery_" + std::to_string(getpid()) + "_" + std::to_string(++s_trees)))
    {
        fs::remove_all(m_root);
        fs::create_directories(m_root / "class/iommu");
    }
    ~FakeSys() { fs::remove_all(m_root); }
    std::string root() const { return m_root.string(); }
    void file(const std::string& relative, const std::string& text)
    {
        fs::create_directories((m_root / relative).parent_path());
        std::ofstream(m_root / relative) << text << "\n";
    }
    void param(const std::string& module, const std::string& name, const std::string& value)
    {
        fs::create_directories(m_root / "module" / module);
        file("module/" + module + "/parameters/" + name, value);
    }

private:
    static inline int s_trees = 0;
    fs::path m_root;
};

DeviceOwner qemuOwner(const std::string& accelerator)
{
    DeviceOwner owner{"qemu-system-x86", 4242, "/dev/vfio/12", VmIdentity{}};
    owner.vm->vmm = "qemu";
    owner.vm->name = "web1";
    owner.vm->accelerator = accelerator;
    owner.vm->holdsKvm = accelerator == "kvm";
    return owner;
}

PostingFacts intelHost(bool apicv, bool iommuPi)
{
    FakeSys s;
    s.param("kvm", "halt_poll_ns", "200000");
    s.param("kvm_intel", "enable_apicv", apicv ? "Y" : "N");
    // VT-d capability registers: a server part with PI (bit 59) and a client part without.
    s.file("class/iommu/dmar0/intel-iommu/cap", iommuPi ? "19ed008c40780c66" : "d2008c40660462");
    s.file("class/iommu/dmar1/intel-iommu/cap", "19ed008c40780c66");
    return readPostingFacts(s.root());
}

const VectorId kMsix0{IrqIndex::Msix, 0};

} // namespace

TEST(ObserveDelivery, IrteTracepointUpTo616)
{
    const auto set = parseIrteTraceLine(kIrteUpTo616Set);
    ASSERT_TRUE(set);
    EXPECT_EQ(set->hostIrq, 58);
    EXPECT_EQ(set->vcpu, 1);
    EXPECT_EQ(set->gsi, 0x1au);
    EXPECT_EQ(set->guestVector, 0x41u);
    EXPECT_TRUE(set->hasPiDescAddr);
    EXPECT_TRUE(set->posted());
    EXPECT_EQ(set->timeUs, 812'345'678);
    const auto unset = parseIrteTraceLine(kIrteUpTo616Unset);
    ASSERT_TRUE(unset);
    EXPECT_FALSE(unset->posted()) << "disabled: the IRTE is back in remapped mode although a vCPU is named";
    EXPECT_FALSE(parseIrteTraceLine("  <idle>-0  [001] d.h2.  1.000001: irq_handler_entry: irq=24 name=x"));
    EXPECT_FALSE(parseIrteTraceLine("x: kvm_pi_irte_update: PI is enabled and being updated for irq 58"));
}

TEST(ObserveDelivery, IrteTracepointFrom617)
{
    const auto posted = parseIrteTraceLine(kIrteFrom617Posted);
    ASSERT_TRUE(posted);
    EXPECT_EQ(posted->hostIrq, 60);
    EXPECT_EQ(posted->vcpu, 2);
    EXPECT_FALSE(posted->hasPiDescAddr);
    EXPECT_TRUE(posted->posted());
    const auto remapped = parseIrteTraceLine(kIrteFrom617Remapped);
    ASSERT_TRUE(remapped);
    EXPECT_EQ(remapped->vcpu, -1);
    EXPECT_FALSE(remapped->posted());

    // The log keeps the latest state per host IRQ, across reads that cut lines.
    IrteLog log;
    const std::string text = std::string(kIrteUpTo616Set) + "\n" + kIrteFrom617Posted + "\n" + kIrteUpTo616Unset +
                             "\n" + kIrteFrom617Remapped + "\n";
    log.feed(std::string_view(text).substr(0, 100));
    log.feed(std::string_view(text).substr(100));
    ASSERT_EQ(log.latest().size(), 3u);
    EXPECT_FALSE(log.latest().at(58).posted()) << "the later 'disabled' wins";
    EXPECT_TRUE(log.latest().at(60).posted());
    EXPECT_FALSE(log.latest().at(61).posted());
}

TEST(ObserveDelivery, PostingFactsIntelAmdAnd616)
{
    EXPECT_TRUE(intelCapHasPostedInterrupts("19ed008c40780c66"));
    EXPECT_FALSE(intelCapHasPostedInterrupts("d2008c40660462"));
    EXPECT_FALSE(intelCapHasPostedInterrupts("not hex"));
    EXPECT_TRUE(amdFeaturesHaveGuestVapic("246577efa2294ade:0"));
    EXPECT_TRUE(amdFeaturesHaveGuestVapic("246577efa2294ade"));
    EXPECT_FALSE(amdFeaturesHaveGuestVapic("246577efa2094a5e:0")) << "GA and GAM_VAPIC clear";

    const PostingFacts intel = intelHost(true, true);
    EXPECT_EQ(intel.apicv, true);
    EXPECT_EQ(intel.intelIommus, 2);
    EXPECT_EQ(intel.intelIommusWithPi, 2);
    EXPECT_TRUE(canPost(intel));
    EXPECT_FALSE(whyNoPosting(intel));

    const PostingFacts noPi = intelHost(true, false);
    EXPECT_FALSE(canPost(noPi));
    EXPECT_EQ(whyNoPosting(noPi), "VT-d without posted interrupts on 1 of 2 IOMMUs (cap bit 59 clear)");
    EXPECT_EQ(whyNoPosting(intelHost(false, true)),
              "kvm_intel enable_apicv=N: without APICv KVM posts no device interrupt");

    FakeSys amd;
    amd.param("kvm", "halt_poll_ns", "0");
    amd.param("kvm_amd", "avic", "Y");
    amd.file("class/iommu/ivhd0/amd-iommu/features", "246577efa2294ade:0");
    const PostingFacts avic = readPostingFacts(amd.root());
    EXPECT_EQ(avic.amdIommus, 1);
    EXPECT_EQ(avic.amdIommusWithGaVapic, 1);
    EXPECT_TRUE(canPost(avic));

    // 6.16: kvm's enable_device_posted_irqs is KVM's own answer (APICv/AVIC and the IOMMU folded in).
    FakeSys k616;
    k616.param("kvm", "enable_device_posted_irqs", "N");
    k616.param("kvm_intel", "enable_apicv", "Y");
    k616.file("class/iommu/dmar0/intel-iommu/cap", "19ed008c40780c66");
    const PostingFacts off = readPostingFacts(k616.root());
    EXPECT_EQ(off.devicePostedIrqsModule, "kvm");
    EXPECT_FALSE(canPost(off));
    EXPECT_EQ(whyNoPosting(off), "kvm enable_device_posted_irqs=N: KVM posts no device interrupt");

    FakeSys none; // no kvm module at all
    EXPECT_EQ(whyNoPosting(readPostingFacts(none.root())),
              "KVM is not loaded: no VM on this host has posted interrupts");
}

TEST(ObserveDelivery, Decisions)
{
    using D = ObservedDelivery;
    const PostingFacts capable = intelHost(true, true);
    const DeliveryContext kvm{qemuOwner("kvm"), capable};
    const IrteEvent postedIrte = *parseIrteTraceLine(kIrteFrom617Posted);
    const IrteEvent remappedIrte = *parseIrteTraceLine(kIrteFrom617Remapped);

    EXPECT_EQ(decideDelivery(kvm, kMsix0, postedIrte, false).mode, D::Posted);
    EXPECT_EQ(decideDelivery(kvm, kMsix0, postedIrte, std::nullopt).mode, D::Posted) << "no rate needed";
    EXPECT_EQ(decideDelivery(kvm, kMsix0, postedIrte, true).mode, D::HostHandled)
        << "a moving count is the host's handler running, whatever the last traced IRTE said";
    EXPECT_NE(decideDelivery(kvm, kMsix0, postedIrte, false).reason.find("vCPU 2"), std::string::npos);
    EXPECT_EQ(decideDelivery(kvm, kMsix0, *parseIrteTraceLine(kIrteUpTo616Set), false).mode, D::Posted);
    EXPECT_EQ(decideDelivery(kvm, kMsix0, remappedIrte, false).mode, D::HostHandled);
    EXPECT_EQ(decideDelivery(kvm, kMsix0, *parseIrteTraceLine(kIrteUpTo616Unset), false).mode, D::HostHandled);
    // Untraced: the count decides on a host that can post.
    EXPECT_EQ(decideDelivery(kvm, kMsix0, std::nullopt, false).mode, D::LikelyPosted);
    EXPECT_EQ(decideDelivery(kvm, kMsix0, std::nullopt, true).mode, D::HostHandled);
    EXPECT_EQ(decideDelivery(kvm, kMsix0, std::nullopt, std::nullopt).mode, D::Unknown) << "before a rate exists";
    EXPECT_EQ(decideDelivery(kvm, {IrqIndex::Intx, 0}, std::nullopt, false).mode, D::HostHandled);

    // Hosts that cannot post: host-handled whatever the count.
    for (const auto& facts : {intelHost(true, false), intelHost(false, true)}) {
        const auto v = decideDelivery({qemuOwner("kvm"), facts}, kMsix0, std::nullopt, false);
        EXPECT_EQ(v.mode, D::HostHandled) << v.reason;
    }
    // Owners that cannot post: emulation, a plain process.
    const auto tcg = decideDelivery({qemuOwner("tcg"), capable}, kMsix0, std::nullopt, false);
    EXPECT_EQ(tcg.mode, D::HostHandled);
    EXPECT_EQ(tcg.reason, "the VM runs without KVM (tcg): qemu reads the eventfd, nothing is posted");
    const DeviceOwner plain{"dpdk-app", 77, "/dev/vfio/5", std::nullopt};
    EXPECT_EQ(decideDelivery({plain, capable}, kMsix0, std::nullopt, false).mode, D::HostHandled);
    // No owner seen: only a host that cannot post is sure.
    EXPECT_EQ(decideDelivery({std::nullopt, capable}, kMsix0, std::nullopt, false).mode, D::Unknown);
    EXPECT_EQ(decideDelivery({std::nullopt, PostingFacts{}}, kMsix0, std::nullopt, false).mode, D::HostHandled);
    EXPECT_STREQ(deliveryName(D::LikelyPosted), "likely-posted");
}

TEST(ObserveDelivery, PostedRowsPresentOrAbsent)
{
    const std::string withRows =
        "           CPU0       CPU1\n"
        " 24:         10          0   IR-PCI-MSIX-0000:01:00.0 0-edge  vfio-msix[0](0000:01:00.0)\n"
        "NMI:          0          0   Non-maskable interrupts\n"
        "PIN:        120        340   Posted-interrupt notification event\n"
        "NPI:          0          0   Nested posted-interrupt event\n"
        "PIW:          3          9   Posted-interrupt wakeup event\n";
    const auto rows = parseNamedRows(withRows, {"PIN", "PIW", "PMN"});
    ASSERT_EQ(rows.size(), 2u) << "PMN is absent on this kernel";
    EXPECT_EQ(rows[0].name, "PIN");
    EXPECT_EQ(rows[0].perCpu, (std::vector<uint64_t>{120, 340}));
    EXPECT_EQ(rows[1].name, "PIW");
    EXPECT_EQ(rows[1].perCpu, (std::vector<uint64_t>{3, 9}));
    // A kernel built without KVM (or an AMD host's view of it: no such rows) prints none.
    EXPECT_TRUE(parseNamedRows("           CPU0\n 24:  1  PCI-MSI 0-edge  vfio-msix[0](0000:01:00.0)\n"
                               "NMI:  0  Non-maskable interrupts\n",
                               {"PIN", "PIW", "PMN"})
                    .empty());

    // Rates per CPU over the interval, from the second sample on.
    ObserverModel model;
    IrqSample a;
    a.timeNs = 1'000'000'000;
    a.cpus = {0, 1};
    a.postedRows = rows;
    IrqSample b = a;
    b.timeNs = 2'000'000'000;
    b.postedRows[0].perCpu = {220, 340};
    model.update(a);
    model.update(b);
    const Snapshot s = model.snapshot(1, "0000:01:00.0", 0);
    ASSERT_EQ(s.observedHostRows.size(), 2u);
    EXPECT_EQ(s.observedHostRows[0].name, "PIN");
    EXPECT_EQ(s.observedHostRows[0].count, 100u);
    EXPECT_EQ(s.observedHostRows[0].perCpuRateHz, (std::vector<std::pair<int, double>>{{0, 100.0}, {1, 0.0}}));
}

TEST(ObserveDelivery, APostedVectorNeverShowsZeroHertz)
{
    // One vector whose host count stays flat on a host that posts: JSON, the table and /metrics say why instead.
    ObserverModel model;
    IrqSample a;
    a.timeNs = 1'000'000'000;
    a.cpus = {0};
    ObservedIrq irq;
    irq.irq.irq = 58;
    irq.irq.action = {kMsix0, "0000:01:00.0"};
    irq.irq.perCpu = {7};
    irq.irq.effectiveCpu = 0;
    a.irqs = {irq};
    IrqSample b = a;
    b.timeNs = 2'000'000'000;
    model.update(a);
    model.update(b);
    Snapshot s = model.snapshot(2, "0000:01:00.0", 0);
    ASSERT_EQ(s.vectors.size(), 1u);
    const auto verdict = decideDelivery({qemuOwner("kvm"), intelHost(true, true)}, kMsix0, std::nullopt,
                                        s.vectors[0].observed->hostRateHz > 0);
    ASSERT_EQ(verdict.mode, ObservedDelivery::LikelyPosted);
    s.vectors[0].observed->delivery = verdict.mode;
    s.vectors[0].observed->deliveryReason = verdict.reason;

    const auto j = observedVectorJson(s.vectors[0], a.timeNs, b.timeNs);
    EXPECT_EQ(j["delivery"], "likely-posted");
    EXPECT_TRUE(j["rate_hz"].is_null());
    EXPECT_TRUE(j["mean_rate_hz"].is_null());
    EXPECT_EQ(j["delivery_reason"], verdict.reason);

    ObserveTableHeader header;
    header.device = "0000:01:00.0";
    header.owner = qemuOwner("kvm");
    const std::string table = renderObserveTable(s, header, 10, false);
    EXPECT_NE(table.find("guest: VM 'web1' (qemu, kvm)"), std::string::npos) << table;
    EXPECT_NE(table.find("likely-posted"), std::string::npos) << table;
    EXPECT_NE(table.find(verdict.reason), std::string::npos) << table;
    const auto row = table.substr(table.find("msix:0 "));
    EXPECT_NE(row.substr(0, row.find('\n')).find(" n/a "), std::string::npos) << "no rate, not 0: " << row;

    const std::string metrics = prometheusText(&s, ExpositionInfo{"t", "observe", "0000:01:00.0"});
    EXPECT_EQ(metrics.find("irqscope_device_originated_total{"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find(R"(irqscope_vector_delivery{device="0000:01:00.0",index="msix",subindex="0",)"
                           R"(mode="likely-posted"} 1)"),
              std::string::npos)
        << metrics;
}

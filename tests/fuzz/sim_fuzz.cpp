// Fuzzes the simulated device (core/sim) with random VFIO_DEVICE_SET_IRQS sequences: well-formed requests on
// every index and action, requests with wrong flags, ranges, argsz or a buffer shorter than they claim, and
// eventfds that are valid, -1, other negatives, closed or not eventfds. A SimDevice (kernel model + hardware
// thread + kernel lock) and a bare SimKernelModel get the same sequence.
//
// Invariants: no crash or sanitizer report; the device returns what the kernel model returns and ends in the
// same state (active type, every vector's trigger); the header checks of vfio_set_irqs_validate_and_prepare give
// the errno the kernel gives (-EFAULT short buffer, -EINVAL bad header or range); a loopback that succeeds signals
// exactly the armed vectors it selects; every signal counted reached an eventfd; disabling the active index
// always disarms everything; and no descriptor is leaked once the device is gone.
#include "fuzz_check.h"
#include "sim/sim_device.h"
#include "sim/sim_kernel_model.h"

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <optional>
#include <span>
#include <sys/eventfd.h>
#include <unistd.h>
#include <vector>

using namespace irqscope::core;
using irqscope::fuzz::ByteReader;

namespace {

constexpr std::array<uint32_t, 7> kMsiCounts = {0, 1, 2, 4, 8, 16, 32};
constexpr uint32_t kPoolSize = 4;

int openDescriptors()
{
    int n = 0;
    if (DIR* d = opendir("/proc/self/fd")) {
        while (readdir(d))
            ++n;
        closedir(d);
    }
    return n;
}

struct Descriptors
{
    Descriptors()
    {
        for (auto& fd : pool)
            fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        notEventfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        unmask = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    }
    ~Descriptors()
    {
        for (int fd : pool)
            close(fd);
        close(notEventfd);
        close(unmask);
    }
    uint64_t drain()
    {
        uint64_t total = 0;
        for (int fd : pool) {
            uint64_t v = 0;
            if (read(fd, &v, sizeof v) == static_cast<ssize_t>(sizeof v))
                total += v;
        }
        return total;
    }
    // `unmaskAction`: the descriptor goes to an INTx unmask eventfd. The device's hardware thread runs the
    // kernel's virqfd on it when it is written, which the bare model has no thread for: so unmask eventfds are
    // never trigger eventfds (nothing writes them) and the two stay comparable.
    int32_t pick(uint8_t b, bool unmaskAction)
    {
        if (unmaskAction && b % 8 < kPoolSize)
            return unmask;
        switch (b % 8) {
        case 4:
            return -1;
        case 5:
            return -2 - static_cast<int32_t>(b >> 3); // other negatives: ignored by ERR/REQ, "off" for MSI
        case 6:
            return notEventfd;
        case 7:
            return closed;
        default:
            return pool[b % kPoolSize];
        }
    }
    std::array<int, kPoolSize> pool{};
    int notEventfd = -1;
    int unmask = -1;
    // No descriptor: above any RLIMIT_NOFILE. (A descriptor closed here would be reused by the simulated
    // hardware thread's own eventfds.)
    int closed = INT32_MAX - 1;
};

uint32_t vectorCount(SimKernelModel& model, uint32_t index)
{
    IrqInfo info;
    return model.irqInfo(index, info) == 0 ? info.count : 0;
}

// vfio_set_irqs_validate_and_prepare and the copy_from_user before it: the errno a request must get whatever the
// index's handler would do, or nullopt when the header is acceptable.
std::optional<int> headerVerdict(std::span<const std::byte> req, SimKernelModel& model)
{
    if (req.size() < kIrqSetHeaderSize)
        return -EFAULT;
    vfio_irq_set h;
    std::memcpy(&h, req.data(), kIrqSetHeaderSize);
    const uint32_t known = VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK;
    if (h.argsz < kIrqSetHeaderSize || h.index >= kNumPciIrqIndexes || h.count >= UINT32_MAX - h.start ||
        (h.flags & ~known))
        return -EINVAL;
    const uint32_t max = vectorCount(model, h.index);
    if (h.start >= max || h.start + h.count > max)
        return -EINVAL;
    const uint32_t type = h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
    std::size_t element = 0;
    if (type == VFIO_IRQ_SET_DATA_BOOL)
        element = 1;
    else if (type == VFIO_IRQ_SET_DATA_EVENTFD)
        element = 4;
    else if (type != VFIO_IRQ_SET_DATA_NONE)
        return -EINVAL;
    const std::size_t payload = std::size_t{h.count} * element;
    if (element && h.argsz - kIrqSetHeaderSize < payload)
        return -EINVAL;
    if (req.size() - kIrqSetHeaderSize < payload)
        return -EFAULT;
    return std::nullopt;
}

void compareState(SimDevice& dev, SimKernelModel& model)
{
    FUZZ_CHECK(dev.activeType() == model.activeType(), "active type differs");
    for (uint32_t i = 0; i < kNumPciIrqIndexes; ++i) {
        const auto index = static_cast<IrqIndex>(i);
        const uint32_t n = vectorCount(model, i);
        for (uint32_t v = 0; v < n; ++v) {
            const bool armed = dev.vectorState(index, v).armed;
            FUZZ_CHECK(armed == model.hasTrigger(index, v), "%s:%u armed %d in the device, %d in the model",
                       std::string(irqIndexName(index)).c_str(), v, armed, !armed);
            FUZZ_CHECK(!armed || model.activeType() == index, "%s:%u armed but its index is not active",
                       std::string(irqIndexName(index)).c_str(), v);
        }
        FUZZ_CHECK(dev.signals(index) == model.signals(index), "signals of index %u differ", i);
    }
    FUZZ_CHECK(dev.intxMasked() == model.intxMasked(), "INTx mask differs");
    uint32_t armed = 0;
    while (model.armedVector(armed))
        ++armed;
    FUZZ_CHECK(armed == model.armedVectors(), "armedVector() lists %u, armedVectors() says %u", armed,
               model.armedVectors());
}

// One request from the input: mostly well-formed, with every field open to damage.
std::vector<std::byte> nextRequest(ByteReader& in, Descriptors& fds, SimKernelModel& model)
{
    const uint8_t shape = in.byte();
    vfio_irq_set h{};
    h.index = in.byte() % 6; // 5: no such index
    const uint32_t max = vectorCount(model, h.index < kNumPciIrqIndexes ? h.index : 0);
    static constexpr uint32_t kTypes[] = {VFIO_IRQ_SET_DATA_NONE, VFIO_IRQ_SET_DATA_BOOL, VFIO_IRQ_SET_DATA_EVENTFD};
    static constexpr uint32_t kActions[] = {VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_IRQ_SET_ACTION_MASK,
                                            VFIO_IRQ_SET_ACTION_UNMASK, VFIO_IRQ_SET_ACTION_TRIGGER};
    const uint8_t kind = in.byte();
    h.flags = kTypes[kind % 3] | kActions[(kind >> 2) % 4];
    if (shape & 0x80)
        h.flags = in.get<uint32_t>(); // any bits at all
    const uint8_t range = in.byte();
    switch (range % 4) {
    case 0: // disable: count 0
        h.start = 0;
        h.count = 0;
        break;
    case 1: // inside the table
        h.start = max ? in.get<uint16_t>() % max : 0;
        h.count = max ? 1 + in.get<uint16_t>() % (max - h.start) : 1;
        break;
    case 2: // small numbers, perhaps out of range
        h.start = in.byte() % 40;
        h.count = in.byte() % 40;
        break;
    default: // anything, overflows included
        h.start = in.get<uint32_t>();
        h.count = in.get<uint32_t>();
        break;
    }
    const uint32_t type = h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
    const std::size_t element = type == VFIO_IRQ_SET_DATA_EVENTFD ? 4 : type == VFIO_IRQ_SET_DATA_BOOL ? 1 : 0;
    const std::size_t elements = std::min<std::size_t>(h.count, kMaxMsixVectors);
    std::vector<std::byte> req(kIrqSetHeaderSize + elements * element);
    for (std::size_t i = 0; i < elements; ++i) {
        if (element == 4) {
            const bool unmask = (h.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) == VFIO_IRQ_SET_ACTION_UNMASK;
            const int32_t fd = fds.pick(in.byte(), unmask);
            std::memcpy(req.data() + kIrqSetHeaderSize + 4 * i, &fd, 4);
        } else if (element == 1) {
            req[kIrqSetHeaderSize + i] = std::byte{static_cast<uint8_t>(in.byte() & 1)};
        }
    }
    h.argsz = static_cast<uint32_t>(req.size());
    if (shape & 0x40)
        h.argsz = in.get<uint16_t>(); // a lying argsz
    std::memcpy(req.data(), &h, kIrqSetHeaderSize);
    if (shape & 0x20)
        req.resize(in.get<uint16_t>() % (req.size() + 1)); // a buffer shorter than the request
    return req;
}

// Signals a successful loopback must send: the selected vectors that have a trigger.
uint64_t expectedLoopback(std::span<const std::byte> req, SimKernelModel& before)
{
    vfio_irq_set h;
    std::memcpy(&h, req.data(), kIrqSetHeaderSize);
    const uint32_t type = h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
    const auto index = static_cast<IrqIndex>(h.index);
    uint64_t n = 0;
    for (uint32_t i = 0; i < h.count; ++i) {
        const bool selected =
            type == VFIO_IRQ_SET_DATA_NONE || std::to_integer<uint8_t>(req[kIrqSetHeaderSize + i]) != 0;
        n += selected && before.hasTrigger(index, h.start + i);
    }
    return n;
}

void run(ByteReader& in)
{
    SimConfig config;
    const uint8_t shape = in.byte();
    config.kernel = shape & 1 ? SimKernel::Linux6_12 : SimKernel::Linux6_1;
    config.intx = shape & 2;
    config.pcie = shape & 4;
    config.interruptRemapping = shape & 8;
    config.pci23Masking = shape & 16;
    config.msiVectors = kMsiCounts[in.byte() % kMsiCounts.size()];
    config.msixVectors = in.get<uint16_t>() % (kMaxMsixVectors + 1);
    if (shape & 32)
        config.msixVectors %= 17; // small tables are where the edges are

    Descriptors fds;
    SimDevice dev(config);
    SimKernelModel model(config);
    compareState(dev, model);

    for (int op = 0; op < 64 && !in.empty(); ++op) {
        const uint8_t what = in.byte();
        if (what % 8 == 7) {
            const uint32_t index = in.byte() % 7;
            IrqInfo a, b;
            FUZZ_CHECK(dev.irqInfo(index, a) == model.irqInfo(index, b), "GET_IRQ_INFO %u differs", index);
            FUZZ_CHECK(a.count == b.count && a.flags == b.flags, "GET_IRQ_INFO %u contents differ", index);
            continue;
        }
        const std::vector<std::byte> req = nextRequest(in, fds, model);
        const auto verdict = headerVerdict(req, model);
        const bool headerOk = !verdict;
        uint64_t expectedSignals = 0;
        vfio_irq_set h{};
        if (req.size() >= kIrqSetHeaderSize)
            std::memcpy(&h, req.data(), kIrqSetHeaderSize);
        const bool msiLoopback = headerOk && (h.index == 1 || h.index == 2) &&
                                 (h.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) == VFIO_IRQ_SET_ACTION_TRIGGER &&
                                 (h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) != VFIO_IRQ_SET_DATA_EVENTFD && h.count > 0;
        if (msiLoopback)
            expectedSignals = expectedLoopback(req, model);
        const uint64_t signalsBefore = model.signals(static_cast<IrqIndex>(h.index % kNumPciIrqIndexes));

        const int rcDev = dev.setIrqs(req);
        const int rcModel = model.setIrqs(req);
        FUZZ_CHECK(rcDev == rcModel, "SET_IRQS returned %d on the device, %d in the model", rcDev, rcModel);
        if (verdict)
            FUZZ_CHECK(rcModel == *verdict, "header check: %d, the kernel gives %d", rcModel, *verdict);
        if (msiLoopback && rcModel == 0) {
            const uint64_t sent = model.signals(static_cast<IrqIndex>(h.index)) - signalsBefore;
            FUZZ_CHECK(sent == expectedSignals, "loopback sent %llu signals, %llu vectors selected and armed",
                       (unsigned long long)sent, (unsigned long long)expectedSignals);
        }
        compareState(dev, model);
    }

    // Every counted signal reached an eventfd (both the device and the model hold duplicates of the pool's).
    uint64_t counted = 0;
    for (uint32_t i = 0; i < kNumPciIrqIndexes; ++i)
        counted += dev.signals(static_cast<IrqIndex>(i)) + model.signals(static_cast<IrqIndex>(i));
    FUZZ_CHECK(fds.drain() == counted, "eventfds received other than the %llu signals counted",
               (unsigned long long)counted);

    // Disarm as the engine does: DATA_NONE|ACTION_TRIGGER with count 0 on the active index.
    if (const auto active = model.activeType()) {
        vfio_irq_set h{};
        h.argsz = kIrqSetHeaderSize;
        h.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
        h.index = static_cast<uint32_t>(*active);
        std::array<std::byte, kIrqSetHeaderSize> req;
        std::memcpy(req.data(), &h, sizeof h);
        FUZZ_CHECK(dev.setIrqs(req) == 0 && model.setIrqs(req) == 0, "disabling the active index failed");
        FUZZ_CHECK(!dev.activeType() && model.armedVectors() == 0, "still armed after disabling the active index");
        compareState(dev, model);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const int before = openDescriptors();
    {
        ByteReader in(data, size);
        run(in);
    }
    const int after = openDescriptors();
    FUZZ_CHECK(after == before, "%d descriptors open before, %d after", before, after);
    return 0;
}

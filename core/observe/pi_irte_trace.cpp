// Parsing kvm:kvm_pi_irte_update lines in both formats (arch/x86/kvm/trace.h: TP_printk "PI is %s for irq %u, vcpu
// %u, gsi: 0x%x, gvec: 0x%x, pi_desc_addr: 0x%llx" up to 6.16, "... vcpu %d, gsi: 0x%x, gvec: 0x%x" from 6.17).
#include "observe/pi_irte_trace.h"

#include "base/number_text.h"

#include <charconv>

namespace irqscope::core {

namespace {

// The number after `key` in `text` (decimal, or hex after "0x"); std::nullopt when missing.
template<typename T>
std::optional<T> numberAfter(std::string_view text, std::string_view key)
{
    const auto at = text.find(key);
    if (at == std::string_view::npos)
        return std::nullopt;
    std::string_view rest = text.substr(at + key.size());
    int base = 10;
    if (rest.starts_with("0x")) {
        rest.remove_prefix(2);
        base = 16;
    }
    T value{};
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value, base);
    if (ec != std::errc() || end == rest.data())
        return std::nullopt;
    return value;
}

std::optional<int64_t> timeUsBefore(std::string_view head)
{
    while (!head.empty() && head.back() == ' ')
        head.remove_suffix(1);
    const std::string_view time = head.substr(head.find_last_of(' ') + 1);
    const auto dot = time.find('.');
    if (dot == std::string_view::npos)
        return std::nullopt;
    const auto sec = parseInteger<int64_t>(time.substr(0, dot));
    const auto usec = parseInteger<int64_t>(time.substr(dot + 1));
    if (!sec || !usec)
        return std::nullopt;
    return *sec * 1'000'000 + *usec;
}

} // namespace

std::optional<IrteEvent> parseIrteTraceLine(std::string_view line)
{
    constexpr std::string_view kEvent = ": kvm_pi_irte_update: ";
    const auto at = line.find(kEvent);
    if (at == std::string_view::npos)
        return std::nullopt;
    const std::string_view body = line.substr(at + kEvent.size());
    const auto pi = body.find("PI is ");
    if (pi == std::string_view::npos)
        return std::nullopt;
    IrteEvent e;
    const std::string_view state = body.substr(pi + 6);
    if (state.starts_with("enabled"))
        e.set = true;
    else if (!state.starts_with("disabled"))
        return std::nullopt;
    const auto irq = numberAfter<int>(body, "for irq ");
    const auto vcpu = numberAfter<int>(body, ", vcpu ");
    const auto gsi = numberAfter<uint32_t>(body, "gsi: ");
    const auto gvec = numberAfter<uint32_t>(body, "gvec: ");
    if (!irq || !vcpu || !gsi || !gvec)
        return std::nullopt;
    e.hostIrq = *irq;
    e.vcpu = *vcpu;
    e.gsi = *gsi;
    e.guestVector = *gvec;
    e.hasPiDescAddr = body.find("pi_desc_addr: ") != std::string_view::npos;
    e.timeUs = timeUsBefore(line.substr(0, at)).value_or(0);
    return e;
}

void IrteLog::feed(std::string_view text)
{
    while (!text.empty()) {
        const auto eol = text.find('\n');
        if (eol == std::string_view::npos) {
            m_partial.append(text);
            return;
        }
        std::string line = m_partial;
        m_partial.clear();
        line.append(text.substr(0, eol));
        text.remove_prefix(eol + 1);
        if (const auto e = parseIrteTraceLine(line))
            add(*e);
    }
}

} // namespace irqscope::core

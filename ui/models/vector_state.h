// VectorState: the one word the table shows for a vector's vstate bits (the most urgent one wins), with the
// colour and icon that make it readable at a glance.
#pragma once

#include <QColor>
#include <QIcon>
#include <QString>

#include <cstdint>

namespace irqscope::ui {

enum class VectorState
{
    Disarmed,
    Armed,
    Triggering, // armed and in the trigger generator's set
    Masked,     // user mask (ACTION_MASK)
    Automasked, // INTx held by the kernel after an interrupt, awaiting UNMASK
    Pending,    // triggered while masked: delivery expected on unmask
    Stuck,      // triggers keep missing while it should be unmasked
};

VectorState classifyState(uint32_t vstateBits);
// "pending", "masked", ...; `vstateBits` adds the secondary bits: "masked · pending".
QString stateLabel(uint32_t vstateBits);
QString stateName(VectorState state);
QColor stateColor(VectorState state);
// A filled circle in the state's colour; cached, so painting allocates nothing.
const QIcon& stateIcon(VectorState state);

} // namespace irqscope::ui

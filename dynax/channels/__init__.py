"""Ion channels and ions: the parts a conductance-based neuron
([`dynax.neurons.ConductanceBased`][]) is built from."""

from ._base import (
    AbstractChannel as AbstractChannel,
    AbstractIon as AbstractIon,
    IonConditions as IonConditions,
    ion_current as ion_current,
)

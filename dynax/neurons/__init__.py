"""Neuron models."""

from ._base import (
    AbstractNeuron as AbstractNeuron,
    AbstractPopulation as AbstractPopulation,
)
from ._conductance import (
    AbstractConductanceNeuron as AbstractConductanceNeuron,
    ConductanceBased as ConductanceBased,
    ConductanceBasedState as ConductanceBasedState,
)
from ._hh import HH as HH
from ._lif import LIF as LIF, LIFState as LIFState

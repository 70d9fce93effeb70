"""Neuron models."""

from ._base import (
    AbstractNeuron as AbstractNeuron,
    AbstractPopulation as AbstractPopulation,
)
from ._lif import LIF as LIF, LIFState as LIFState

"""Neuron models."""

from ._base import AbstractNeuron as AbstractNeuron
from ._lif import LIF as LIF, LIFState as LIFState

"""Synapse dynamics and synaptic outputs."""

from ._exponential import Exponential as Exponential, ExponentialState as ExponentialState
from ._outputs import AbstractOutput as AbstractOutput, COBA as COBA, CUBA as CUBA

"""Synapse dynamics and synaptic outputs."""

from ._base import (
    AbstractLinearSynapse as AbstractLinearSynapse,
    AbstractSynapse as AbstractSynapse,
)
from ._exponential import Exponential as Exponential, ExponentialState as ExponentialState
from ._outputs import COBA as COBA, CUBA as CUBA, AbstractOutput as AbstractOutput

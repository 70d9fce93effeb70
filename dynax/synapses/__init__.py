"""Synapse dynamics, short-term plasticity and synaptic outputs."""

from ._base import (
    AbstractLinearSynapse as AbstractLinearSynapse,
    AbstractPresynaptic as AbstractPresynaptic,
    AbstractSynapse as AbstractSynapse,
)
from ._delta import Delta as Delta, DeltaState as DeltaState
from ._dual_exponential import (
    Alpha as Alpha,
    DualExponential as DualExponential,
    DualExponentialState as DualExponentialState,
    peak_time as peak_time,
)
from ._exponential import Exponential as Exponential, ExponentialState as ExponentialState
from ._kinetic import (
    AMPA as AMPA,
    NMDA as NMDA,
    GABAa as GABAa,
    KineticReceptor as KineticReceptor,
    KineticReceptorState as KineticReceptorState,
    SecondOrderNMDA as SecondOrderNMDA,
    SecondOrderNMDAState as SecondOrderNMDAState,
)
from ._outputs import (
    COBA as COBA,
    CUBA as CUBA,
    AbstractOutput as AbstractOutput,
    BlockedCurrent as BlockedCurrent,
    Jump as Jump,
    MgBlock as MgBlock,
)
from ._stp import STD as STD, STP as STP, STPState as STPState

"""Long-term synaptic plasticity: learning rules and the projection that applies them."""

from ._base import (
    AbstractRateRule as AbstractRateRule,
    AbstractRule as AbstractRule,
    AbstractTraceRule as AbstractTraceRule,
    RateState as RateState,
    TraceState as TraceState,
    TraceUpdate as TraceUpdate,
)
from ._bcm import BCM as BCM
from ._index import SynapseIndex as SynapseIndex
from ._oja import Oja as Oja
from ._pair import PairSTDP as PairSTDP
from ._projection import PlasticProjection as PlasticProjection, PlasticState as PlasticState
from ._triplet import TripletSTDP as TripletSTDP
from ._vogels import VogelsSprekeler as VogelsSprekeler

__all__ = [
    "AbstractRateRule",
    "AbstractRule",
    "AbstractTraceRule",
    "BCM",
    "Oja",
    "PairSTDP",
    "PlasticProjection",
    "PlasticState",
    "RateState",
    "SynapseIndex",
    "TraceState",
    "TraceUpdate",
    "TripletSTDP",
    "VogelsSprekeler",
]

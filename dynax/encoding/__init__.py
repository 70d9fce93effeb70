"""Spike encoders: turn data (values in [0, 1], time series) into spike trains, time
first, that a spiking network takes as input (`dx.simulate(..., inputs=spikes)`), and
decode them back."""

from ._delta import DeltaEncoder as DeltaEncoder
from ._latency import LatencyEncoder as LatencyEncoder
from ._phase import WeightedPhaseEncoder as WeightedPhaseEncoder
from ._poisson import PoissonEncoder as PoissonEncoder

"""Inputs: signals (pure functions of time) and sources (with a state of their own).

Signals (`Constant`, `Section`, `Ramp`, `Sinusoidal`, `Square`) are called as
`signal(ctx)` and give the value during the step `[ctx.t, ctx.t + ctx.dt)`. Sources
(`WienerProcess`, `OUProcess`, `PoissonGroup`, `PoissonCounts`, `SpikeTimeGroup`) are
models with `init`/`step` and deliver `output(state)`. `TimeSeries` gives one value per step.
"""

from ._base import (
    AbstractSignal as AbstractSignal,
    AbstractSource as AbstractSource,
    AbstractSpikeSource as AbstractSpikeSource,
)
from ._counts import PoissonCounts as PoissonCounts, PoissonCountsState as PoissonCountsState
from ._noise import (
    OUProcess as OUProcess,
    OUState as OUState,
    WienerProcess as WienerProcess,
    WienerState as WienerState,
)
from ._series import TimeSeries as TimeSeries
from ._signals import (
    Constant as Constant,
    Ramp as Ramp,
    Section as Section,
    Sinusoidal as Sinusoidal,
    Square as Square,
)
from ._spikes import (
    PoissonGroup as PoissonGroup,
    PoissonState as PoissonState,
    SpikeTimeGroup as SpikeTimeGroup,
    SpikeTimeState as SpikeTimeState,
)

__all__ = [
    "AbstractSignal",
    "AbstractSource",
    "AbstractSpikeSource",
    "Constant",
    "OUProcess",
    "OUState",
    "PoissonCounts",
    "PoissonCountsState",
    "PoissonGroup",
    "PoissonState",
    "Ramp",
    "Section",
    "Sinusoidal",
    "SpikeTimeGroup",
    "SpikeTimeState",
    "Square",
    "TimeSeries",
    "WienerProcess",
    "WienerState",
]

"""dynax: brain dynamics programming in JAX.

Build models at any scale as immutable Equinox pytrees, then simulate, train and
analyse the same model.
"""

from importlib import metadata as _metadata

from . import (
    analysis,
    channels,
    connect,
    datasets,
    encoding,
    init,
    inputs,
    integrate,
    measure,
    networks,
    neurons,
    ops,
    plasticity,
    plot,
    random,
    rates,
    surrogate,
    synapses,
    tasks,
    train,
)
from ._checkpoint import load as load, save as save
from ._current import (
    AbstractCurrent as AbstractCurrent,
    AffineCurrent as AffineCurrent,
    CurrentSum as CurrentSum,
    as_affine as as_affine,
)
from ._delay import Delay as Delay, DelayState as DelayState, PendingDelay as PendingDelay
from ._drive import CurrentDrive as CurrentDrive, DriveState as DriveState
from ._gap import GapJunction as GapJunction, GapJunctionState as GapJunctionState
from ._network import Network as Network
from ._projection import (
    AbstractElectricalProjection as AbstractElectricalProjection,
    AbstractPlasticProjection as AbstractPlasticProjection,
    AbstractProjection as AbstractProjection,
    Projection as Projection,
    ProjectionState as ProjectionState,
)
from ._run import simulate as simulate
from ._shard import (
    ExchangeState as ExchangeState,
    PendingExchange as PendingExchange,
    ShardedNetwork as ShardedNetwork,
    shard as shard,
)
from ._sweep import sweep as sweep
from ._system import (
    AbstractTimed as AbstractTimed,
    Context as Context,
    DynamicalSystem as DynamicalSystem,
    get_path as get_path,
    state_paths as state_paths,
    with_dt as with_dt,
)

try:  # the installed distribution's version, so that there is one place to change it
    __version__ = _metadata.version("dynax")
except _metadata.PackageNotFoundError:  # imported from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "AbstractCurrent",
    "CurrentSum",
    "AbstractElectricalProjection",
    "AbstractPlasticProjection",
    "GapJunction",
    "GapJunctionState",
    "AbstractProjection",
    "AbstractTimed",
    "CurrentDrive",
    "DriveState",
    "AffineCurrent",
    "Context",
    "Delay",
    "DelayState",
    "PendingDelay",
    "DynamicalSystem",
    "Network",
    "Projection",
    "as_affine",
    "ProjectionState",
    "analysis",
    "channels",
    "connect",
    "datasets",
    "encoding",
    "get_path",
    "init",
    "inputs",
    "integrate",
    "load",
    "measure",
    "networks",
    "neurons",
    "ops",
    "plasticity",
    "plot",
    "random",
    "rates",
    "save",
    "shard",
    "ShardedNetwork",
    "ExchangeState",
    "PendingExchange",
    "simulate",
    "state_paths",
    "surrogate",
    "sweep",
    "synapses",
    "tasks",
    "train",
    "with_dt",
]

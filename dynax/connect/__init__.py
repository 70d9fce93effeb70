"""Connectors and connectivity formats."""

from ._base import AbstractConnector as AbstractConnector
from ._connectivity import (
    AbstractConnectivity as AbstractConnectivity,
    Pointers as Pointers,
    Within as Within,
)
from ._coo import COO as COO
from ._csc import CSC as CSC
from ._csr import CSR as CSR
from ._delayed import RingDelayed as RingDelayed
from ._dense import Dense as Dense
from ._distance import DistanceProb as DistanceProb, GaussianProb as GaussianProb
from ._fan_out import FanOut as FanOut
from ._from_data import (
    from_dense as from_dense,
    from_ij as from_ij,
    from_networkx as from_networkx,
    from_scipy as from_scipy,
)
from ._grid import GridEight as GridEight, GridFour as GridFour, GridN as GridN
from ._jit import JitBlock as JitBlock, JitProb as JitProb
from ._random import (
    FixedPostNum as FixedPostNum,
    FixedPreNum as FixedPreNum,
    FixedProb as FixedProb,
    FixedTotalNum as FixedTotalNum,
)
from ._regular import All2All as All2All, One2One as One2One
from ._scale_free import (
    PowerLaw as PowerLaw,
    ScaleFreeBA as ScaleFreeBA,
    ScaleFreeBADual as ScaleFreeBADual,
)
from ._sharded import Sharded as Sharded, partition as partition
from ._small_world import SmallWorld as SmallWorld
from ._validate import validate as validate

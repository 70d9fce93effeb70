"""Initialisers for weights, delays and initial states: `init(key, shape, dtype=None)`."""

from ._base import (
    AbstractInitializer as AbstractInitializer,
    Clip as Clip,
    Fill as Fill,
    Zero as Zero,
)
from ._distance import (
    AbstractDistanceProfile as AbstractDistanceProfile,
    DOGDecay as DOGDecay,
    GaussianDecay as GaussianDecay,
)
from ._matrix import (
    DeltaOrthogonal as DeltaOrthogonal,
    Identity as Identity,
    Orthogonal as Orthogonal,
)
from ._random import (
    ExponentialDistribution as ExponentialDistribution,
    Gamma as Gamma,
    LogNormal as LogNormal,
    Normal as Normal,
    TruncatedNormal as TruncatedNormal,
    Uniform as Uniform,
)
from ._variance import (
    KaimingNormal as KaimingNormal,
    KaimingUniform as KaimingUniform,
    LecunNormal as LecunNormal,
    LecunUniform as LecunUniform,
    VarianceScaling as VarianceScaling,
    XavierNormal as XavierNormal,
    XavierUniform as XavierUniform,
)

"""Spike functions: a Heaviside step forward and, for surrogates, a smooth gradient
backward, so that spiking models train with backpropagation through time.

Any surrogate is a model's `spike_fn`, e.g. `spike_fn=dx.surrogate.Sigmoid(alpha=4.0)`.
"""

from ._base import (
    AbstractSpikeFunction as AbstractSpikeFunction,
    AbstractSurrogate as AbstractSurrogate,
    Heaviside as Heaviside,
)
from ._fourier import SquarewaveFourierSeries as SquarewaveFourierSeries
from ._gaussian import GaussianGrad as GaussianGrad, MultiGaussianGrad as MultiGaussianGrad
from ._piecewise import (
    PiecewiseExp as PiecewiseExp,
    PiecewiseLeakyRelu as PiecewiseLeakyRelu,
    PiecewiseQuadratic as PiecewiseQuadratic,
    ReluGrad as ReluGrad,
)
from ._relu import LeakyRelu as LeakyRelu, LogTailedRelu as LogTailedRelu
from ._sigmoid import ERF as ERF, Arctan as Arctan, Sigmoid as Sigmoid, SoftSign as SoftSign
from ._tails import (
    S2NN as S2NN,
    InvSquareGrad as InvSquareGrad,
    QPseudoSpike as QPseudoSpike,
    SlayerGrad as SlayerGrad,
)

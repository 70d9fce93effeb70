import equinox as eqx

from .._system import DynamicalSystem


class AbstractNeuron(DynamicalSystem):
    """A population of `n` neurons. Its state has at least `spike` (bool, `(n,)`): which
    neurons fired during the last step."""

    n: eqx.AbstractVar[int]

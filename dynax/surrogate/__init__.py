"""Spike functions: a Heaviside step forward and, for surrogates, a smooth gradient
backward, so that spiking models train with backpropagation through time."""

from ._base import (
    AbstractSpikeFunction as AbstractSpikeFunction,
    AbstractSurrogate as AbstractSurrogate,
    Heaviside as Heaviside,
)

"""Initialisers for weights, delays and initial states."""

from ._random import (
    AbstractInitializer as AbstractInitializer,
    Constant as Constant,
    Normal as Normal,
    Uniform as Uniform,
)

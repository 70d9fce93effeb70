"""States of channels, named by their gating variables (shared by the channels that
have the same gates, e.g. every sodium channel with activation `m` and inactivation
`h`)."""

import equinox as eqx

from .._custom_types import Array, Float


class MHState(eqx.Module):
    """Gates of a channel with activation `m` and inactivation `h` (each in [0, 1],
    `(n,)`)."""

    m: Float[Array, " n"]
    h: Float[Array, " n"]


class HState(eqx.Module):
    """Gate of a channel whose activation is instantaneous: inactivation `h` (in [0, 1],
    `(n,)`)."""

    h: Float[Array, " n"]


class NState(eqx.Module):
    """Gate of a delayed-rectifier potassium channel: activation `n` (in [0, 1],
    `(n,)`)."""

    n: Float[Array, " n"]


class PState(eqx.Module):
    """Gate of a slow non-inactivating potassium channel: activation `p` (in [0, 1],
    `(n,)`)."""

    p: Float[Array, " n"]


class WState(eqx.Module):
    """Gate of the Morris–Lecar potassium channel: the fraction of open channels `w`
    (in [0, 1], `(n,)`)."""

    w: Float[Array, " n"]


class SState(eqx.Module):
    """Gate of the Pinsky–Rinzel calcium channel: activation `s` (in [0, 1], `(n,)`)."""

    s: Float[Array, " n"]


class CState(eqx.Module):
    """Gate of the Pinsky–Rinzel calcium-dependent potassium channel (K-C): activation
    `c` (in [0, 1], `(n,)`)."""

    c: Float[Array, " n"]


class QState(eqx.Module):
    """Gate of the Pinsky–Rinzel afterhyperpolarisation channel (K-AHP): activation `q`
    (in [0, 1], `(n,)`)."""

    q: Float[Array, " n"]

r"""Rate functions of gating kinetics, safe where the textbook formula is 0/0, and the
exponential-Euler (Rush–Larsen) step of a gate.

The rates of Hodgkin–Huxley-type channels are often $a\,x/(e^{x} - 1)$ (or
$a\,x/(1 - e^{-x})$), a removable singularity at $x = 0$: the HH $\alpha_m$ at
$v = -40$ mV. `x_over_expm1` returns the limit there and keeps value and gradient
finite in float32 and float64.
"""

import jax.numpy as jnp

from .._custom_types import Array

# Below this |x| the series is used: its truncation error (x^6/30240 ~ 3e-11) is far
# below float32's rounding, while exp(x) - 1 loses about eps/|x| ~ 1e-6 of relative
# accuracy at the switch in float32 (1e-15 in float64).
_SERIES = 0.1


def x_over_expm1(x: Array, exp_x: Array | None = None) -> Array:
    r"""$x / (e^{x} - 1)$, equal to 1 at $x = 0$, with a finite gradient everywhere.

    For $x/(1 - e^{-x})$ call `x_over_expm1(-x)`. `exp_x`, when given, is $e^{x}$
    already computed for another rate (to spend one `exp` on two rates).

    Near 0 the Bernoulli series $1 - x/2 + x^2/12 - x^4/720$ is used, and the direct
    formula's denominator is replaced there by 1, so that its (unused) branch is not
    0/0 and `jax.grad` gets no NaN through `jnp.where`.
    """
    x = jnp.asarray(x)
    if exp_x is None:
        exp_x = jnp.exp(x)
    small = jnp.abs(x) < _SERIES
    direct = x / jnp.where(small, 1.0, exp_x - 1.0)
    x2 = x * x
    series = 1.0 - 0.5 * x + x2 * (1.0 / 12.0 - x2 * (1.0 / 720.0))
    return jnp.where(small, series, direct)


def rush_larsen(x: Array, alpha: Array, beta: Array, dt: float) -> Array:
    r"""The gate $dx/dt = \alpha(1 - x) - \beta x$ advanced by `dt` ms with $\alpha$ and
    $\beta$ (1/ms) held: $x_\infty + (x - x_\infty)e^{-dt(\alpha + \beta)}$,
    $x_\infty = \alpha/(\alpha + \beta)$ (exact, stable at any `dt`)."""
    rate = alpha + beta
    x_inf = alpha / rate
    return x_inf + (x - x_inf) * jnp.exp(-dt * rate)


def relax(x: Array, x_inf: Array, tau: Array, dt: float) -> Array:
    r"""The gate $dx/dt = (x_\infty - x)/\tau$ advanced by `dt` ms with $x_\infty$ and
    $\tau$ (ms) held: $x_\infty + (x - x_\infty)e^{-dt/\tau}$."""
    return x_inf + (x - x_inf) * jnp.exp(-dt / tau)


def alpha_beta_derivative(x: Array, alpha: Array, beta: Array) -> Array:
    r"""$dx/dt = \alpha(1 - x) - \beta x$ (1/ms)."""
    return alpha - (alpha + beta) * x

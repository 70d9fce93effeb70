r"""Rate functions of gating kinetics, safe where the textbook formula is 0/0, and the
exponential-Euler (Rush–Larsen) step of a gate.

The rates of Hodgkin–Huxley-type channels are often $a\,x/(e^{x} - 1)$ (or
$a\,x/(1 - e^{-x})$), a removable singularity at $x = 0$: the HH $\alpha_m$ at
$v = -40$ mV. `x_over_expm1` returns the limit there and keeps value and gradient
finite in float32 and float64.
"""

import jax.numpy as jnp

from .._custom_types import Array

# x / (e^x - 1) = sum_k B_k x^k / k!: the even coefficients B_2k / (2k)! for k = 1..8.
_EVEN = (
    1.0 / 12.0,
    -1.0 / 720.0,
    1.0 / 30240.0,
    -1.0 / 1209600.0,
    1.0 / 47900160.0,
    -691.0 / 1307674368000.0,
    1.0 / 74724249600.0,
    -3617.0 / 10670622842880000.0,
)


def x_over_expm1(x: Array, exp_x: Array | None = None) -> Array:
    r"""$x / (e^{x} - 1)$, equal to 1 at $x = 0$, with a finite gradient everywhere.

    For $x/(1 - e^{-x})$ call `x_over_expm1(-x)`. `exp_x`, when given, is $e^{x}$
    already computed for another rate (to spend one `exp` on two rates).

    Near 0 the Bernoulli series (through $x^{16}$) is used, and the direct formula's
    denominator is replaced there by 1, so that its (unused) branch is not 0/0 and
    `jax.grad` gets no NaN through `jnp.where`. The direct formula loses about
    $\varepsilon/|x|$ of relative accuracy to the cancellation in $e^x - 1$, so the
    series covers $|x| < 1$ in float32 and $|x| < 1/2$ in float64, where its truncation
    error ($\approx 10^{-14}$ and $3 \cdot 10^{-20}$) is below the rounding: the result is
    within a few units in the last place everywhere.
    """
    x = jnp.asarray(x)
    if exp_x is None:
        exp_x = jnp.exp(x)
    small = jnp.abs(x) < (1.0 if jnp.finfo(x.dtype).bits <= 32 else 0.5)
    direct = x / jnp.where(small, 1.0, exp_x - 1.0)
    x2 = x * x
    even = _EVEN[-1]
    for c in reversed(_EVEN[:-1]):
        even = c + x2 * even
    series = 1.0 - 0.5 * x + x2 * even
    return jnp.where(small, series, direct)


def rush_larsen(x: Array, alpha: Array, beta: Array, dt: float) -> Array:
    r"""The gate $dx/dt = \alpha(1 - x) - \beta x$ advanced by `dt` ms with $\alpha$ and
    $\beta$ (1/ms) held: $x\,e^{-dt(\alpha + \beta)} + x_\infty (1 - e^{-dt(\alpha + \beta)})$,
    $x_\infty = \alpha/(\alpha + \beta)$ (exact, stable at any `dt`)."""
    rate = alpha + beta
    return _toward(x, alpha / rate, jnp.exp(-dt * rate))


def relax(x: Array, x_inf: Array, tau: Array, dt: float) -> Array:
    r"""The gate $dx/dt = (x_\infty - x)/\tau$ advanced by `dt` ms with $x_\infty$ and
    $\tau$ (ms) held: $x\,e^{-dt/\tau} + x_\infty (1 - e^{-dt/\tau})$."""
    return _toward(x, x_inf, jnp.exp(-dt / tau))


def _toward(x: Array, x_inf: Array, decay: Array) -> Array:
    # x_inf + (x - x_inf) * decay, written so that x_inf (a division) is read once: XLA's
    # CPU backend has no multi-output loops, so a value read twice gets a loop of its own
    # and the rates it is made of (exponentials, series) are recomputed in both loops.
    return x * decay + x_inf * (1.0 - decay)


def alpha_beta_derivative(x: Array, alpha: Array, beta: Array) -> Array:
    r"""$dx/dt = \alpha(1 - x) - \beta x$ (1/ms)."""
    return alpha - (alpha + beta) * x

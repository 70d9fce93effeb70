# ruff: noqa: F722  (jaxtyping shape strings such as " n" are not Python expressions)
"""Noise sources: the Wiener process and the Ornstein–Uhlenbeck process."""

import equinox as eqx
import jax.numpy as jnp

from .. import _random
from .._checks import ScalarOrN, check_param, check_size, to_float, to_size
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from .._system import Context
from ._base import AbstractSource


class WienerState(eqx.Module):
    """State of a [`dynax.inputs.WienerProcess`][]: its current value `value`, shape `(n,)`."""

    value: Float[Array, " n"]


class WienerProcess(AbstractSource):
    """`n` independent scaled Wiener processes (Brownian motions), $X(t) = \\sigma W(t)$.

    $X(0) = 0$ and each step adds an independent increment
    $\\sigma\\sqrt{\\Delta t}\\,\\xi$, $\\xi \\sim \\mathcal N(0, 1)$, so that
    $\\mathrm{Var}[X(t)] = \\sigma^2 t$ (t in ms) exactly on the grid. The key of each
    step comes from `ctx.require_key("WienerProcess")`.

    **Arguments:**

    - `n`: number of independent processes.
    - `sigma`: $\\sigma$ (unit of the output per $\\sqrt{\\text{ms}}$), non-negative; a
      scalar or shape `(n,)`.
    """

    n: int = eqx.field(static=True)
    sigma: ScalarOrN

    def __init__(self, n: int, sigma: ArrayLike = 1.0):
        self.n = to_size(n)
        self.sigma = to_float(sigma, "sigma")

    def __check_init__(self):
        check_size(self.n)
        check_param(self.sigma, "sigma", nonnegative=True, n=self.n)

    def init(self, key: PRNGKeyArray | None = None) -> WienerState:
        """$X(0) = 0$; `key` is unused."""
        return WienerState(jnp.zeros(self.n, dtype=self.sigma.dtype))

    def step(self, state: WienerState, input, ctx: Context) -> WienerState:
        """Add one increment over `ctx.dt`; `input` is ignored."""
        key = ctx.require_key("WienerProcess")
        xi = _random.normal(key, (self.n,), state.value.dtype)
        return WienerState(state.value + self.sigma * jnp.sqrt(ctx.dt) * xi)

    def output(self, state: WienerState) -> Float[Array, " n"]:
        """The current value $X(t)$."""
        return state.value


class OUState(eqx.Module):
    """State of an [`dynax.inputs.OUProcess`][]: its current value `value`, shape `(n,)`."""

    value: Float[Array, " n"]


class OUProcess(AbstractSource):
    """`n` independent Ornstein–Uhlenbeck processes with stationary standard deviation `sigma`.

    $$dx = \\frac{\\mu - x}{\\tau}dt + \\sigma\\sqrt{\\frac{2}{\\tau}}\\,dW$$

    so that the stationary distribution is $\\mathcal N(\\mu, \\sigma^2)$ and the
    autocorrelation at lag $\\Delta$ is $e^{-\\Delta/\\tau}$. Each step uses the exact
    update

    $$x' = \\mu + (x - \\mu)e^{-\\Delta t/\\tau}
    + \\sigma\\sqrt{1 - e^{-2\\Delta t/\\tau}}\\,\\xi,\\qquad \\xi \\sim \\mathcal N(0, 1),$$

    which has the right distribution for any `dt` (no discretisation error). The key of
    each step comes from `ctx.require_key("OUProcess")`.

    **Arguments:**

    - `n`: number of independent processes.
    - `mean`: $\\mu$ (unit of the output, e.g. nA); a scalar or shape `(n,)`.
    - `sigma`: stationary standard deviation $\\sigma$ (unit of the output), non-negative;
      a scalar or shape `(n,)`.
    - `tau`: correlation time $\\tau$ (ms), positive; a scalar or shape `(n,)`.
    - `x0`: the initial value (unit of the output); `None` starts at `mean`. `init` is
      deterministic (it ignores its key); to start in the stationary distribution pass
      e.g. `x0 = mean + sigma * jax.random.normal(key, (n,))`.
    """

    n: int = eqx.field(static=True)
    mean: ScalarOrN
    sigma: ScalarOrN
    tau: ScalarOrN
    x0: ScalarOrN | None

    def __init__(
        self,
        n: int,
        mean: ArrayLike,
        sigma: ArrayLike,
        tau: ArrayLike,
        x0: ArrayLike | None = None,
    ):
        self.n = to_size(n)
        self.mean = to_float(mean, "mean")
        self.sigma = to_float(sigma, "sigma")
        self.tau = to_float(tau, "tau")
        self.x0 = None if x0 is None else to_float(x0, "x0")

    def __check_init__(self):
        check_size(self.n)
        check_param(self.mean, "mean", n=self.n)
        check_param(self.sigma, "sigma", nonnegative=True, n=self.n)
        check_param(self.tau, "tau", positive=True, n=self.n)
        if self.x0 is not None:
            check_param(self.x0, "x0", n=self.n)

    def init(self, key: PRNGKeyArray | None = None) -> OUState:
        """`x0`, or `mean` when `x0` is `None`, broadcast to `(n,)`; `key` is unused."""
        x0 = self.mean if self.x0 is None else self.x0
        dtype = jnp.result_type(x0, self.mean, self.sigma, self.tau)
        return OUState(jnp.broadcast_to(x0, (self.n,)).astype(dtype))

    def step(self, state: OUState, input, ctx: Context) -> OUState:
        """The exact transition over `ctx.dt`; `input` is ignored."""
        key = ctx.require_key("OUProcess")
        x = state.value
        decay = jnp.exp(-ctx.dt / self.tau)
        # 1 - exp(-2 dt / tau) without cancellation when dt << tau.
        noise_std = self.sigma * jnp.sqrt(-jnp.expm1(-2 * ctx.dt / self.tau))
        # jax.random.normal's numbers, in a form that fuses into the step (_random.py).
        xi = _random.normal(key, (self.n,), x.dtype)
        new = self.mean + (x - self.mean) * decay + noise_std * xi
        return OUState(new.astype(x.dtype))

    def output(self, state: OUState) -> Float[Array, " n"]:
        """The current value $x(t)$."""
        return state.value

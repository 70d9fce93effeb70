"""A continuous-time rate RNN with an optional Dale's law (Song, Yang & Wang 2016), the
network trained with BPTT on cognitive tasks."""

import functools
import math
import types
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import _random
from .._checks import check_size, concrete, param, to_float
from .._custom_types import Array, ArrayLike, Float, Int, PRNGKeyArray
from .._system import Context, DynamicalSystem


def _identity(x: Array) -> Array:
    return x


NONLINEARITIES = types.MappingProxyType(
    {
        "relu": jax.nn.relu,
        "tanh": jnp.tanh,
        "softplus": jax.nn.softplus,
        "sigmoid": jax.nn.sigmoid,
        "linear": _identity,
    }
)
"""The rate functions $r = f(x)$ of a [`dynax.networks.RateRNN`][] by name."""


class RateRNNState(eqx.Module):
    """State of a [`dynax.networks.RateRNN`][]: the synaptic currents `x` and rates
    `r = f(x)` of the units, `(n_rec,)`, and the readout `out = r W_out + b_out`,
    `(n_out,)` (both functions of `x`, kept for monitors and losses)."""

    x: Float[Array, " n_rec"]
    r: Float[Array, " n_rec"]
    out: Float[Array, " n_out"]


class RateRNN(DynamicalSystem):
    r"""A continuous-time recurrent network of `n_rec` rate units, as trained on
    cognitive tasks by Song, Yang & Wang (2016):

    $$\tau \frac{dx}{dt} = -x + r\,W_\text{rec} + u\,W_\text{in} + b
    + \sqrt{2\tau}\,\sigma_\text{rec}\,\xi(t),\qquad r = f(x),\qquad
    y = r\,W_\text{out} + b_\text{out},$$

    with row vectors $x, r \in \mathbb R^{n_\text{rec}}$, the input
    $u \in \mathbb R^{n_\text{in}}$, white noise $\xi$ and the readout $y$
    (`state.out`). $W_\text{rec}$ goes from row to column. One `step` is Euler's
    method at `dt` (the discretisation the paper trains, with $\alpha = dt/\tau$):
    $x \leftarrow (1 - \alpha)\,x + \alpha\,(r W_\text{rec} + u W_\text{in} + b)
    + \sqrt{2\alpha}\,\sigma_\text{rec}\,\mathcal N(0, 1)$;
    `vector_field(t, x, u)` is the noise-free right-hand side, for other integrators.
    Without recurrence and input, $x$ is then an Ornstein–Uhlenbeck process of
    standard deviation $\sigma_\text{rec}$ ($\sigma_\text{rec}/\sqrt{1 - \alpha/2}$
    for the Euler steps).

    **Dale's law.** With a `sign` vector ($+1$ for an excitatory unit, $-1$ for an
    inhibitory one) every unit's outgoing weights have its sign, whatever the trained
    arrays hold: the step uses $|W_\text{rec}|$ with row $j$ multiplied by
    $\text{sign}_j$, so an optimiser updates the magnitudes and no update can break the
    law. As in Song et al., the inputs are excitatory too ($|W_\text{in}|$) and only
    the excitatory units are read out ($|W_\text{out}|$, inhibitory rows zero).
    `sign` is an integer array, so it is never trained. `weights()` returns the
    weights the step uses.

    [`dynax.networks.rate_rnn`][] draws the weights (from a key, with or without
    Dale's law).

    **Arguments:**

    - `W_in`: input weights `(n_in, n_rec)`; `W_rec`: recurrent weights
      `(n_rec, n_rec)`; `W_out`: readout weights `(n_rec, n_out)`.
    - `b`: bias of the units `(n_rec,)` (or a scalar), default 0; `b_out`: bias of the
      readout `(n_out,)`, default 0.
    - `x0`: initial currents `(n_rec,)` (or a scalar), default 0 (trainable like the
      weights).
    - `tau`: time constant (ms), > 0; default 100 ms (Song et al.).
    - `nonlinearity`: the rate function $f$, a name of
      [`dynax.networks.NONLINEARITIES`][] (`"relu"`, the default and the paper's,
      `"tanh"`, `"softplus"`, `"sigmoid"`, `"linear"`) or a function.
    - `sign`: `None` (no sign constraint) or Dale's sign per unit, `(n_rec,)` of
      $\pm 1$.
    - `sigma_rec`: the intensity of the recurrent noise (in the unit of $x$); with a
      concrete 0 (the default) `step` uses no key, otherwise it needs one
      (`dx.simulate(..., key=...)`).

    `step(state, u, ctx)` takes the input `u` of shape `(n_in,)` (or `None` for none).

    ??? cite "Reference"

        Song, H. F., Yang, G. R., & Wang, X.-J. (2016). Training excitatory-inhibitory
        recurrent neural networks for cognitive tasks: a simple and flexible framework.
        *PLoS Computational Biology*, 12(2), e1004792.
    """

    W_in: Float[Array, "n_in n_rec"]
    W_rec: Float[Array, "n_rec n_rec"]
    W_out: Float[Array, "n_rec n_out"]
    b: Float[Array, " n_rec"]
    b_out: Float[Array, " n_out"]
    x0: Float[Array, " n_rec"]
    tau: Float[Array, ""]
    sigma_rec: Float[Array, ""]
    sign: Int[Array, " n_rec"] | None
    nonlinearity: Callable[[Array], Array] = eqx.field(static=True)
    noisy: bool = eqx.field(static=True)
    n_in: int = eqx.field(static=True)
    n_rec: int = eqx.field(static=True)
    n_out: int = eqx.field(static=True)

    def __init__(
        self,
        W_in: Float[ArrayLike, "n_in n_rec"],
        W_rec: Float[ArrayLike, "n_rec n_rec"],
        W_out: Float[ArrayLike, "n_rec n_out"],
        *,
        b: Float[ArrayLike, " n_rec"] | float = 0.0,
        b_out: Float[ArrayLike, " n_out"] | float = 0.0,
        x0: Float[ArrayLike, " n_rec"] | float = 0.0,
        tau: ArrayLike = 100.0,
        nonlinearity: str | Callable[[Array], Array] = "relu",
        sign: Int[ArrayLike, " n_rec"] | None = None,
        sigma_rec: ArrayLike = 0.0,
    ):
        self.W_rec = _matrix(W_rec, "W_rec", None, None)
        n = self.W_rec.shape[0]
        if self.W_rec.shape != (n, n):
            raise ValueError(f"RateRNN: W_rec must be square, got shape {self.W_rec.shape}.")
        self.W_in = _matrix(W_in, "W_in", None, n)
        self.W_out = _matrix(W_out, "W_out", n, None)
        self.n_rec, self.n_in, self.n_out = n, self.W_in.shape[0], self.W_out.shape[1]
        self.b = jnp.broadcast_to(param(b, "b", n=n), (n,))
        self.x0 = jnp.broadcast_to(param(x0, "x0", n=n), (n,))
        out_bias = to_float(b_out, "b_out")
        if out_bias.shape not in ((), (self.n_out,)):
            raise ValueError(
                f"RateRNN: b_out must be a scalar or have shape ({self.n_out},) (n_out, from "
                f"W_out), got shape {out_bias.shape}."
            )
        self.b_out = jnp.broadcast_to(out_bias, (self.n_out,))
        self.tau = param(tau, "tau", positive=True)
        self.sigma_rec = param(sigma_rec, "sigma_rec", nonnegative=True)
        for name, value in (("tau", self.tau), ("sigma_rec", self.sigma_rec)):
            if value.shape != ():
                raise ValueError(f"RateRNN: {name} must be a scalar, got shape {value.shape}.")
        if isinstance(nonlinearity, str):
            if nonlinearity not in NONLINEARITIES:
                raise ValueError(
                    f"RateRNN: nonlinearity must be one of {sorted(NONLINEARITIES)} or a "
                    f"function, got {nonlinearity!r}."
                )
            nonlinearity = NONLINEARITIES[nonlinearity]
        elif not callable(nonlinearity):
            raise ValueError(
                f"RateRNN: nonlinearity must be a name or a function, got {nonlinearity!r}."
            )
        self.nonlinearity = nonlinearity
        sigma = concrete(self.sigma_rec)
        self.noisy = sigma is None or bool(sigma > 0)
        if sign is None:
            self.sign = None
        else:
            s = concrete(sign)
            if s is None:
                raise ValueError("RateRNN: sign must be concrete (a fixed vector of +1 and -1).")
            if s.shape != (n,) or not np.all(np.abs(s) == 1):
                raise ValueError(
                    f"RateRNN: sign must have shape ({n},) with entries +1 (excitatory) or -1 "
                    f"(inhibitory), got {s!r}."
                )
            self.sign = jnp.asarray(s, dtype=jnp.int32)

    def weights(self) -> tuple[Array, Array, Array]:
        """The input, recurrent and readout weights the step uses: the arrays as they
        are, or with Dale's law their magnitudes with each unit's sign (inputs
        excitatory, inhibitory units not read out)."""
        if self.sign is None:
            return self.W_in, self.W_rec, self.W_out
        sign = self.sign.astype(self.W_rec.dtype)
        excitatory = (self.sign > 0).astype(self.W_out.dtype)
        return (
            jnp.abs(self.W_in),
            jnp.abs(self.W_rec) * sign[:, None],
            jnp.abs(self.W_out) * excitatory[:, None],
        )

    def init(self, key: PRNGKeyArray | None = None) -> RateRNNState:
        return self._state(self.x0)

    def _state(self, x: Array) -> RateRNNState:
        r = self.nonlinearity(x)
        return RateRNNState(x, r, r @ self.weights()[2] + self.b_out)

    def _input(self, u: Any) -> Array:
        if u is None:
            return jnp.zeros(self.n_in, self.W_in.dtype)
        u = jnp.asarray(u)
        if u.shape != (self.n_in,):
            raise ValueError(
                f"the input of RateRNN(n_in={self.n_in}) must have shape ({self.n_in},), "
                f"got shape {u.shape}."
            )
        return u.astype(self.W_in.dtype)

    def vector_field(self, t: Any, x: Array, args: Any) -> Float[Array, " n_rec"]:
        """$dx/dt$ without noise; `args` is the input $u$ `(n_in,)` or `None`."""
        W_in, W_rec, _ = self.weights()
        drive = self.nonlinearity(x) @ W_rec + self._input(args) @ W_in + self.b
        return (drive - x) / self.tau

    def step(self, state: RateRNNState, input: Any, ctx: Context) -> RateRNNState:
        x = state.x + ctx.dt * self.vector_field(ctx.t, state.x, input)
        if self.noisy:
            key = ctx.require_key("RateRNN with sigma_rec > 0")
            xi = _random.normal(key, x.shape, x.dtype)
            x = x + jnp.sqrt(2 * ctx.dt / self.tau) * self.sigma_rec * xi
        return self._state(x)


def _matrix(w: Any, name: str, rows: int | None, cols: int | None) -> Array:
    w = to_float(w, name)
    ok = w.ndim == 2 and rows in (None, w.shape[0]) and cols in (None, w.shape[1])
    if not ok:
        want = f"({'n_in' if rows is None else rows}, {'n_out' if cols is None else cols})"
        raise ValueError(f"RateRNN: {name} must have shape {want}, got shape {w.shape}.")
    return w


def rate_rnn(
    n_in: int,
    n_rec: int,
    n_out: int,
    *,
    key: PRNGKeyArray,
    excitatory: float | None = None,
    spectral_radius: float = 1.0,
    scale_in: float = 1.0,
    scale_out: float = 1.0,
    tau: ArrayLike = 100.0,
    nonlinearity: str | Callable[[Array], Array] = "relu",
    sigma_rec: ArrayLike = 0.0,
) -> RateRNN:
    r"""A [`dynax.networks.RateRNN`][] with random weights, with or without Dale's law.

    Without it (`excitatory=None`): $W_\text{rec} \sim \mathcal N(0, \rho^2/n_\text{rec})$,
    whose spectral radius is close to $\rho$ = `spectral_radius`,
    $W_\text{in} \sim \mathcal N(0, 1/n_\text{in})\cdot$`scale_in`,
    $W_\text{out} \sim \mathcal N(0, 1/n_\text{rec})\cdot$`scale_out`.

    With it (`excitatory` the fraction of excitatory units, e.g. 0.8 as in Song et
    al.): the first `round(excitatory * n_rec)` units are excitatory, the rest
    inhibitory; the recurrent magnitudes are drawn from a gamma distribution (shape 2,
    as the paper's), the inhibitory rows scaled by $n_E/n_I$ so that each unit's
    excitation and inhibition balance on average, and the whole matrix scaled to
    spectral radius $\rho$; input and readout magnitudes are
    $|\mathcal N(0, 1/n_\text{in})|\cdot$`scale_in` and
    $|\mathcal N(0, 1)|\cdot$`scale_out`$/n_E$ (the readout starts near the mean
    excitatory rate). Biases and `x0` start at 0. Song et al. start from
    $\rho_0 = 1.5$; the default here, 1, keeps a ReLU network with Dale's law from
    running away under a constant positive input (at 1.5 the rates of a 64-unit
    network grow past 60 within a second of the decision task's input).

    **Arguments:**

    - `n_in`, `n_rec`, `n_out`: the numbers of inputs, units and readouts.
    - `key`: PRNG key for the weights.
    - `excitatory`: `None` (no Dale's law) or the fraction of excitatory units, in
      (0, 1).
    - `spectral_radius`: $\rho$ of the initial recurrent weights (the signed ones
      with Dale's law), ≥ 0.
    - `scale_in`, `scale_out`: factors of the input and readout weights.
    - `tau`, `nonlinearity`, `sigma_rec`: as for [`dynax.networks.RateRNN`][].

    ??? cite "Reference"

        Song, H. F., Yang, G. R., & Wang, X.-J. (2016). Training excitatory-inhibitory
        recurrent neural networks for cognitive tasks: a simple and flexible framework.
        *PLoS Computational Biology*, 12(2), e1004792.
    """
    n_in, n_rec, n_out = (
        check_size(n_in, "n_in"),
        check_size(n_rec, "n_rec"),
        check_size(n_out, "n_out"),
    )
    if not (isinstance(spectral_radius, (int, float)) and spectral_radius >= 0):
        raise ValueError(f"spectral_radius must be a number >= 0, got {spectral_radius!r}.")
    if excitatory is not None and not (isinstance(excitatory, (int, float)) and 0 < excitatory < 1):
        raise ValueError(
            f"excitatory must be None or a fraction in (0, 1), got excitatory={excitatory!r}."
        )
    dtype = to_float(0.0, "dtype").dtype
    # All draws in one compiled call: standard normals for the three matrices and, for
    # Dale's law, Gamma(2, 1) magnitudes as sums of two unit exponentials.
    z_in, z_rec, z_out, gamma = (np.array(a) for a in _draw(key, n_in, n_rec, n_out, dtype))
    w_in = z_in * (scale_in / math.sqrt(n_in))
    if excitatory is None:
        w_rec = z_rec * (spectral_radius / math.sqrt(n_rec))
        w_out = z_out * (scale_out / math.sqrt(n_rec))
        return RateRNN(w_in, w_rec, w_out, tau=tau, nonlinearity=nonlinearity, sigma_rec=sigma_rec)
    n_e = round(excitatory * n_rec)
    if not 0 < n_e < n_rec:
        raise ValueError(
            f"excitatory={excitatory} of n_rec={n_rec} leaves no excitatory or no inhibitory unit."
        )
    sign = np.where(np.arange(n_rec) < n_e, 1, -1)
    magnitude = gamma.astype(np.float64)
    magnitude[n_e:] *= n_e / (n_rec - n_e)
    radius = np.max(np.abs(np.linalg.eigvals(magnitude * sign[:, None])))
    scaled = magnitude * (spectral_radius / radius) if radius > 0 else magnitude
    w_out = np.abs(z_out) * (scale_out / n_e)
    return RateRNN(
        np.abs(w_in),
        scaled.astype(dtype),
        w_out,
        tau=tau,
        nonlinearity=nonlinearity,
        sign=sign,
        sigma_rec=sigma_rec,
    )


@functools.partial(jax.jit, static_argnums=(1, 2, 3, 4))
def _draw(key, n_in, n_rec, n_out, dtype):
    k_in, k_rec, k_out, k_gamma = jax.random.split(key, 4)
    u = jax.random.uniform(k_gamma, (2, n_rec, n_rec), dtype, minval=1e-12)
    return (
        jax.random.normal(k_in, (n_in, n_rec), dtype),
        jax.random.normal(k_rec, (n_rec, n_rec), dtype),
        jax.random.normal(k_out, (n_rec, n_out), dtype),
        -jnp.log(u[0]) - jnp.log(u[1]),
    )

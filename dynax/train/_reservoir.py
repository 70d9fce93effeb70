"""The echo-state network: a fixed random recurrent network of leaky tanh units whose
states are read out linearly (reservoir computing)."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import _random
from .._custom_types import Array, Float, PRNGKeyArray
from .._system import Context, DynamicalSystem
from ..connect import CSR, from_dense
from ..connect._base import numpy_rng

_DISTRIBUTIONS = ("uniform", "normal")


class ReservoirState(eqx.Module):
    """State of [`dynax.train.Reservoir`][]: the activities `x` `(n,)` of its units
    (dimensionless, in (-1, 1) once the tanh has acted)."""

    x: Float[Array, " n"]


def _fraction(p, name: str) -> float:
    if isinstance(p, bool) or not isinstance(p, int | float) or not 0 < p <= 1:
        raise ValueError(f"{name} must be a number in (0, 1], got {name}={p!r}.")
    return float(p)


def _nonnegative(x, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float) or not 0 <= x < np.inf:
        raise ValueError(f"{name} must be a finite number >= 0, got {name}={x!r}.")
    return float(x)


def _count(n, name: str, *, minimum: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {name}={n!r}.")
    return int(n)


class Reservoir(DynamicalSystem):
    r"""An echo-state network (Jaeger 2001): `n` leaky tanh units with fixed random
    recurrent weights, driven by an input $u$ of `n_in` channels,

    $$x_{t+1} = (1 - a)\,x_t + a \tanh\!\big(u_t W_\text{in} + x_t W + b
    + \sigma \xi_t\big),$$

    with leak rate $a$ (`leak`; $a = 1$: no leak) and optional Gaussian noise
    $\xi_t \sim \mathcal N(0, 1)$ of standard deviation $\sigma$ (`noise`, drawn from
    the step's key). Weights multiply row vectors, as everywhere in dynax:
    $W_\text{in}$ is `(n_in, n)`, $W$ is `(n, n)` (pre, post).

    **Units.** A reservoir's time is counted in steps: one call of `step` is one sample
    of the input series, and `ctx.dt` is not used (run it with any `dt`, e.g.
    `dx.simulate(reservoir, reservoir.init(), dt=1.0, inputs=u, monitors={"x": "x"})`,
    which records $x_1, \dots, x_T$ for inputs $u_0, \dots, u_{T-1}$). States, inputs and
    weights are dimensionless.

    **Feedback.** [`dynax.train.force`][] feeds the readout's output $z$ back as input
    channels after the external ones: build the reservoir with `n_in = n_u + n_out`;
    the last `n_out` rows of $W_\text{in}$ are then the feedback weights
    (`eqx.tree_at(lambda r: r.W_in, reservoir, ...)` gives them another scale).

    **Weights** (drawn once from `key`):

    - $W$: entries $\mathcal N(0, 1)$ (times `recurrent_std`), each kept with
      probability `connectivity` (the rest zero), then scaled so that the spectral
      radius (the largest $|\lambda|$) is exactly `spectral_radius` (computed on the
      host in float64; skipped with `spectral_radius=None`). A radius below 1 is the
      usual recipe for the echo-state property (the state forgets its initial
      condition; Jaeger 2001; Yildiz, Jaeger & Kiebel 2012), not a guarantee.
    - $W_\text{in}$: entries `input_scaling` × U(−1, 1) (`input_distribution="uniform"`)
      or × N(0, 1) (`"normal"`), each kept with probability `input_connectivity`.
    - $b$: `bias_scaling` × U(−1, 1) per unit (default 0: no bias).

    With `sparse=True`, $W$ is stored as a [`dynax.connect.CSR`][] with one weight per
    connection and multiplied by a sparse product (`CSR.matvec`): worth it for large,
    sparse reservoirs (`n` in the thousands, `connectivity` ≲ 0.05); the numbers are the
    same as with the dense matrix.

    **Arguments:**

    - `n_in`: the number of input channels (≥ 0; 0 for an autonomous reservoir, whose
      input is then ignored).
    - `n`: the number of units.
    - `key`: the PRNG key of the weights.
    - `leak`: the leak rate $a$ in (0, 1]; default 1.
    - `spectral_radius`: the target spectral radius of $W$ (> 0), or None to keep the
      drawn matrix; default 0.9.
    - `recurrent_std`: the standard deviation of the drawn entries of $W$ (> 0; matters
      only with `spectral_radius=None`); default 1.
    - `connectivity`: the probability of each recurrent connection, in (0, 1]; default 1.
    - `input_scaling`: the scale of $W_\text{in}$ (≥ 0); default 1.
    - `input_connectivity`: the probability of each input connection, in (0, 1];
      default 1.
    - `input_distribution`: `"uniform"` (default) or `"normal"`.
    - `bias_scaling`: the scale of $b$ (≥ 0); default 0.
    - `noise`: the standard deviation $\sigma$ of the noise (≥ 0); default 0. With
      noise, `step` needs a key in its context (`dx.simulate(..., key=...)`).
    - `sparse`: store $W$ sparsely (see above); default False.
    - `init_scale`: the initial state is 0 (default), or with `init_scale` > 0 drawn
      uniformly from ±`init_scale` by `init(key)`: an autonomous reservoir (FORCE
      with only feedback as input) needs activity to start from.

    ??? cite "References"

        Jaeger, H. (2001). The "echo state" approach to analysing and training recurrent
        neural networks. GMD Report 148, German National Research Center for
        Information Technology.

        Lukoševičius, M. (2012). A practical guide to applying echo state networks. In
        *Neural Networks: Tricks of the Trade* (pp. 659–686). Springer.

        Yildiz, I. B., Jaeger, H., & Kiebel, S. J. (2012). Re-visiting the echo state
        property. *Neural Networks*, 35, 1–9.
    """

    n_in: int = eqx.field(static=True)
    n: int = eqx.field(static=True)
    noisy: bool = eqx.field(static=True)
    init_scale: float = eqx.field(static=True)
    W_in: Float[Array, "n_in n"]
    W: Float[Array, "n n"] | Float[Array, " nnz"]
    conn: CSR | None
    b: Float[Array, " n"]
    leak: Float[Array, ""]
    noise: Float[Array, ""]

    def __init__(
        self,
        n_in: int,
        n: int,
        *,
        key: PRNGKeyArray,
        leak: float = 1.0,
        spectral_radius: float | None = 0.9,
        recurrent_std: float = 1.0,
        connectivity: float = 1.0,
        input_scaling: float = 1.0,
        input_connectivity: float = 1.0,
        input_distribution: str = "uniform",
        bias_scaling: float = 0.0,
        noise: float = 0.0,
        sparse: bool = False,
        init_scale: float = 0.0,
    ):
        self.n_in = _count(n_in, "n_in", minimum=0)
        self.n = _count(n, "n", minimum=1)
        leak = _fraction(leak, "leak")
        connectivity = _fraction(connectivity, "connectivity")
        input_connectivity = _fraction(input_connectivity, "input_connectivity")
        if spectral_radius is not None and not (
            isinstance(spectral_radius, int | float) and 0 < spectral_radius < np.inf
        ):
            raise ValueError(
                f"spectral_radius must be a positive number or None, got "
                f"spectral_radius={spectral_radius!r}."
            )
        if not (isinstance(recurrent_std, int | float) and 0 < recurrent_std < np.inf):
            raise ValueError(f"recurrent_std must be a positive number, got {recurrent_std!r}.")
        input_scaling = _nonnegative(input_scaling, "input_scaling")
        bias_scaling = _nonnegative(bias_scaling, "bias_scaling")
        noise = _nonnegative(noise, "noise")
        self.init_scale = _nonnegative(init_scale, "init_scale")
        if input_distribution not in _DISTRIBUTIONS:
            raise ValueError(
                f"input_distribution must be one of {_DISTRIBUTIONS}, got {input_distribution!r}."
            )
        if not isinstance(sparse, bool):
            raise ValueError(f"sparse must be True or False, got sparse={sparse!r}.")
        if isinstance(key, jax.core.Tracer):
            raise ValueError(
                "Reservoir draws its weights and scales them to a spectral radius on the "
                "host: build it outside jit/vmap (key must be concrete)."
            )
        dtype = jnp.result_type(float)
        # Drawn on the host by NumPy, seeded by the key's words (as dx.connect does):
        # the same key gives the same reservoir on every backend, with no compilation.
        rng = numpy_rng(key)

        # Recurrent weights: Gaussian entries, a Bernoulli mask, then the spectral radius.
        W = recurrent_std * rng.standard_normal((n, n))
        if connectivity < 1:
            W = np.where(rng.random((n, n)) < connectivity, W, 0.0)
        if spectral_radius is not None:
            # float64 eigenvalues: O(n^3), a second at n = 1000.
            radius = float(np.max(np.abs(np.linalg.eigvals(W))))
            if radius == 0:
                raise ValueError(
                    f"the drawn recurrent matrix has no connection (or only nilpotent ones) "
                    f"and cannot be scaled to spectral_radius={spectral_radius}: raise "
                    f"connectivity={connectivity} or n={n}."
                )
            W = W * (spectral_radius / radius)
        if sparse:
            self.conn, w = from_dense(W, values=True)
            self.W = jnp.asarray(w, dtype)
        else:
            self.conn, self.W = None, jnp.asarray(W, dtype)

        if input_distribution == "uniform":
            W_in = rng.uniform(-1.0, 1.0, (n_in, n))
        else:
            W_in = rng.standard_normal((n_in, n))
        if input_connectivity < 1:
            W_in = np.where(rng.random((n_in, n)) < input_connectivity, W_in, 0.0)
        self.W_in = jnp.asarray(input_scaling * W_in, dtype)
        self.b = jnp.asarray(bias_scaling * rng.uniform(-1.0, 1.0, n), dtype)
        self.leak = jnp.asarray(leak, dtype)
        self.noise = jnp.asarray(noise, dtype)
        self.noisy = noise > 0

    def recurrent_matrix(self) -> Float[Array, "n n"]:
        """$W$ as a dense `(n, n)` matrix (pre, post)."""
        if self.conn is None:
            return self.W
        return self.conn.todense(self.W)

    def init(self, key: PRNGKeyArray | None = None) -> ReservoirState:
        """All units at 0, or, with `init_scale` > 0, drawn uniformly from
        ±`init_scale` with `key`."""
        if self.init_scale == 0:
            return ReservoirState(jnp.zeros(self.n, self.W_in.dtype))
        if key is None:
            raise ValueError(
                f"Reservoir with init_scale={self.init_scale} draws its initial state: "
                "pass a key to init (or to dx.simulate's caller, e.g. dx.train.force)."
            )
        x0 = jax.random.uniform(key, (self.n,), self.W_in.dtype, -1.0, 1.0)
        return ReservoirState(self.init_scale * x0)

    def step(
        self, state: ReservoirState, input: Float[Array, " n_in"] | None, ctx: Context
    ) -> ReservoirState:
        """The state after one step driven by `input` `(n_in,)` (ignored when `n_in` is
        0)."""
        x = state.x
        h = (x @ self.W if self.conn is None else self.conn.matvec(x, self.W)) + self.b
        if self.n_in:
            u = jnp.asarray(input)
            if u.shape != (self.n_in,):
                raise ValueError(
                    f"the input of a Reservoir with n_in={self.n_in} must have shape "
                    f"({self.n_in},), got {u.shape}."
                )
            h = h + u @ self.W_in
        if self.noisy:
            key = ctx.require_key("Reservoir with noise")
            h = h + self.noise * _random.normal(key, h.shape, h.dtype)
        return ReservoirState((1 - self.leak) * x + self.leak * jnp.tanh(h))

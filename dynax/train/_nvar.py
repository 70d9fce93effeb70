"""Next-generation reservoir computing (Gauthier et al. 2021): a nonlinear vector
autoregression whose features are delayed copies of the input and their monomials."""

import math

import equinox as eqx
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from .._system import Context, DynamicalSystem
from ._features import polynomial_features


class NVARState(eqx.Module):
    """State of [`dynax.train.NVAR`][]: the last `(k - 1) s + 1` inputs, newest first,
    `(window, n_in)` (zeros before the first ones arrive)."""

    window: Float[Array, "window n_in"]


def _int(x, name: str, minimum: int) -> int:
    if isinstance(x, bool) or not isinstance(x, int) or x < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {name}={x!r}.")
    return x


class NVAR(DynamicalSystem):
    r"""The feature map of next-generation reservoir computing (NG-RC; Gauthier, Bollt,
    Griffith & Barbosa 2021): a nonlinear vector autoregression in place of a random
    reservoir. At step $i$, for an input series $u_i \in \mathbb R^d$ (`n_in` = $d$):

    - the **linear** part is $k$ delayed copies with stride $s$,
      $O_\text{lin} = (u_i, u_{i-s}, \dots, u_{i-(k-1)s})$, $dk$ numbers;
    - the **nonlinear** part is the unique monomials of $O_\text{lin}$ of degree 2 to
      `degree` (for the paper's `degree=2`, the $dk(dk+1)/2$ products
      $O_{\text{lin},a} O_{\text{lin},b}$, $a \le b$);
    - and a **constant** 1 (`bias=True`).

    The feature vector $O = 1 \oplus O_\text{lin} \oplus O_\text{nonlin}$ has
    $\binom{dk + p}{p}$ entries for degree $p$ (28 for the Lorenz system with $k = 2$,
    $p = 2$; one fewer without the constant), in the order of
    [`dynax.train.polynomial_features`][] of $O_\text{lin}$. A linear readout of $O$
    fitted by ridge regression ([`dynax.train.ridge`][]) is the whole model; Gauthier
    et al. train it to predict the increment $u_{i+1} - u_i$, and forecast by feeding
    the prediction back as the next input.

    As a `dx.DynamicalSystem`, its state ([`dynax.train.NVARState`][]) is the window of
    the last $(k-1)s + 1$ inputs: `step(state, u, ctx)` shifts `u` in (one step is one
    sample: `ctx.dt` is not used), `features(state)` gives $O$. For a recorded series,
    `feature_matrix(series)` gives all rows at once.

    **Arguments:**

    - `n_in`: the dimension $d$ of the input.
    - `k`: the number of delayed copies (≥ 1).
    - `s`: the stride between them, in steps (≥ 1).
    - `degree`: the largest degree of the monomials (≥ 1; 1: linear features only);
      default 2.
    - `bias`: include the constant feature; default True.

    ??? cite "Reference"

        Gauthier, D. J., Bollt, E., Griffith, A., & Barbosa, W. A. S. (2021). Next
        generation reservoir computing. *Nature Communications*, 12, 5564.
    """

    n_in: int = eqx.field(static=True)
    k: int = eqx.field(static=True)
    s: int = eqx.field(static=True)
    degree: int = eqx.field(static=True)
    bias: bool = eqx.field(static=True)

    def __init__(self, n_in: int, k: int = 2, s: int = 1, *, degree: int = 2, bias: bool = True):
        self.n_in = _int(n_in, "n_in", 1)
        self.k = _int(k, "k", 1)
        self.s = _int(s, "s", 1)
        self.degree = _int(degree, "degree", 1)
        if not isinstance(bias, bool):
            raise ValueError(f"bias must be True or False, got bias={bias!r}.")
        self.bias = bias

    @property
    def window(self) -> int:
        """The number of past inputs the features read: $(k - 1)s + 1$."""
        return (self.k - 1) * self.s + 1

    @property
    def n_linear(self) -> int:
        """The size $dk$ of the linear part."""
        return self.n_in * self.k

    @property
    def n_features(self) -> int:
        r"""The number of features, $\binom{dk + p}{p}$ (minus 1 without the constant)."""
        return math.comb(self.n_linear + self.degree, self.degree) - (not self.bias)

    def init(self, key: PRNGKeyArray | None = None) -> NVARState:
        """An empty (all-zero) window."""
        return NVARState(jnp.zeros((self.window, self.n_in), jnp.result_type(float)))

    def step(self, state: NVARState, input: Float[Array, " n_in"], ctx: Context) -> NVARState:
        """The window with `input` `(n_in,)` shifted in as the newest sample."""
        u = jnp.asarray(input, state.window.dtype)
        if u.shape != (self.n_in,):
            raise ValueError(f"the input of NVAR must have shape ({self.n_in},), got {u.shape}.")
        return NVARState(jnp.concatenate([u[None], state.window[:-1]], axis=0))

    def linear(self, window: Float[Array, "... window n_in"]) -> Float[Array, "... n_linear"]:
        """$O_\\text{lin}$ of a window (newest sample first)."""
        taps = window[..., :: self.s, :]
        return taps.reshape(taps.shape[:-2] + (self.n_linear,))

    def features(self, state: NVARState) -> Float[Array, " n_features"]:
        """The feature vector $O$ of the current window."""
        return polynomial_features(self.linear(state.window), self.degree, include_bias=self.bias)

    def feature_matrix(
        self, series: Float[ArrayLike, "n_steps n_in"]
    ) -> Float[Array, "n_rows n_features"]:
        """The features at every step of `series` `(n_steps, n_in)` whose window is
        full: row $j$ belongs to step $i = j + (k - 1)s$, so there are
        `n_steps - (k - 1) s` rows."""
        series = jnp.asarray(series)
        if series.ndim != 2 or series.shape[1] != self.n_in:
            raise ValueError(
                f"series must have shape (n_steps, {self.n_in}), got shape {series.shape}."
            )
        n_rows = series.shape[0] - self.window + 1
        if n_rows < 1:
            raise ValueError(
                f"series has {series.shape[0]} steps, fewer than the window of "
                f"(k - 1) s + 1 = {self.window}."
            )
        # Column block m holds u_{i - m s}: the newest first, as in `linear`.
        lag = self.window - 1
        taps = [series[lag - m * self.s : lag - m * self.s + n_rows] for m in range(self.k)]
        linear = jnp.concatenate(taps, axis=1)
        return polynomial_features(linear, self.degree, include_bias=self.bias)

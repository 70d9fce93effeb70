"""Weights that decay with the distance between neurons (Gaussian, difference of Gaussians)."""

import abc

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike, Float, Int
from .._system import as_float_array
from ._base import AbstractInitializer, float_dtype


def positions(x, name: str) -> Array | None:
    """`(n, d)` float positions from an array, or from a grid given as a tuple of ints."""
    if x is None:
        return None
    if isinstance(x, tuple) and x and all(isinstance(v, int | np.integer) for v in x):
        if min(x) <= 0:
            raise ValueError(f"A grid needs positive sizes, got {name}={x!r}.")
        grid = np.stack(np.unravel_index(np.arange(int(np.prod(x))), x), axis=-1)
        return as_float_array(grid, name)
    pos = as_float_array(x, name)
    if pos.ndim == 1:
        pos = pos[:, None]
    if pos.ndim != 2:
        raise ValueError(
            f"{name} must be an (n, d) array of positions or a grid tuple, got shape {pos.shape}."
        )
    return pos


class AbstractDistanceProfile(AbstractInitializer):
    """Weights $w_{ij} = f(d_{ij})$, a function $f$ of the distance between neurons.

    Subclasses give `profile(distance)`; this base turns it into a dense
    `(n_pre, n_post)` matrix (`__call__`) and per-connection weights (`pairs`).
    """

    pre: eqx.AbstractVar[Float[Array, "n_pre d"] | None]
    post: eqx.AbstractVar[Float[Array, "n_post d"] | None]
    period: eqx.AbstractVar[Array | None]

    @abc.abstractmethod
    def profile(self, distance: ArrayLike) -> Array:
        """The weight at `distance` (elementwise)."""

    def distance(self, i: Int[Array, "..."], j: Int[Array, "..."]) -> Array:
        """Distance from presynaptic neuron `i` to postsynaptic neuron `j` (broadcast),
        wrapped around `period` where given."""
        i, j = jnp.asarray(i), jnp.asarray(j)
        if self.pre is None:
            dtype = float_dtype(None)
            delta = (i.astype(dtype) - j.astype(dtype))[..., None]
        else:
            post = self.pre if self.post is None else self.post
            delta = self.pre[i] - post[j]
        if self.period is not None:
            delta = delta - self.period * jnp.round(delta / self.period)
        squared = jnp.sum(delta**2, axis=-1)
        # sqrt has an infinite slope at 0: keep gradients through positions finite.
        positive = squared > 0
        return jnp.where(positive, jnp.sqrt(jnp.where(positive, squared, 1.0)), 0.0)

    @eqx.filter_jit
    def pairs(self, i: Int[Array, "..."], j: Int[Array, "..."], dtype=None) -> Array:
        """The weights of the connections from `pre[i]` to `post[j]`, e.g.
        `init.pairs(conn.rows, conn.indices)` for a `dx.connect.CSR`."""
        dtype = float_dtype(dtype)
        return self.profile(self.distance(i, j).astype(dtype)).astype(dtype)

    @eqx.filter_jit
    def __call__(self, key, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(
                f"{type(self).__name__} makes (n_pre, n_post) matrices, got shape {shape}."
            )
        n_pre, n_post = shape
        post = self.pre if self.post is None else self.post
        if self.pre is not None and (self.pre.shape[0], post.shape[0]) != (n_pre, n_post):
            raise ValueError(
                f"{type(self).__name__} has {self.pre.shape[0]} pre and {post.shape[0]} "
                f"post positions, but was asked for shape {shape}."
            )
        i = jnp.arange(n_pre)[:, None]
        j = jnp.arange(n_post)[None, :]
        return self.pairs(i, j, dtype)


def _geometry(pre, post, period):
    pre_pos = positions(pre, "pre")
    post_pos = positions(post, "post")
    if pre_pos is None and post_pos is not None:
        raise ValueError("post positions need pre positions too (pre=None, post given).")
    if pre_pos is not None and post_pos is not None and pre_pos.shape[1] != post_pos.shape[1]:
        raise ValueError(
            f"pre and post positions must have the same dimension, got {pre_pos.shape[1]} "
            f"and {post_pos.shape[1]}."
        )
    period = None if period is None else as_float_array(period, "period", positive=True)
    return pre_pos, post_pos, period


def _gaussian(d, sigma):
    return jnp.exp(-(d**2) / (2 * sigma**2))


class GaussianDecay(AbstractDistanceProfile):
    """Weights that fall off as a Gaussian of the distance between neurons:

    $$w_{ij} = w_\\max \\exp\\left(-\\frac{d_{ij}^2}{2\\sigma^2}\\right).$$

    **Where neurons are.** `pre` and `post` are each either an `(n, d)` array of
    positions (an `(n,)` array for positions on a line), or a grid given as a tuple of
    ints `(h, w, ...)`: neuron `k` then sits at the row-major coordinates of cell `k`
    (unit spacing). `post=None` means the same neurons as `pre` (recurrent weights). With
    neither, neuron `k` sits at position `k` on a line, whatever the sizes. With
    `period`, each coordinate wraps around (a ring or a torus of that size).

    **Two ways to use it.** Called as an initialiser, `init(key, (n_pre, n_post))`
    gives the dense `(n_pre, n_post)` weight matrix of all pairwise distances (the key is
    ignored). For sparse connectivity, `init.pairs(conn.rows, conn.indices)` gives one
    weight per connection from the (pre, post) index pairs, and `init.profile(d)`
    evaluates the weight at given distances.

    **Arguments:**

    - `sigma`: the width $\\sigma > 0$, in the unit of the positions.
    - `max_weight`: the weight $w_\\max$ at distance 0 (negative for inhibition).
    - `pre`: where the presynaptic neurons are: an `(n_pre, d)` (or `(n_pre,)`) array of
      positions, a grid tuple such as `(20, 20)`, or `None` (neuron `k` at `k` on a line).
    - `post`: where the postsynaptic neurons are, likewise; `None` for the same as `pre`.
    - `period`: the size of the domain along each axis (a scalar or a `(d,)` array, in
      the unit of the positions) for periodic boundaries; `None` for none.
    """

    sigma: Array
    max_weight: Array
    pre: Float[Array, "n_pre d"] | None
    post: Float[Array, "n_post d"] | None
    period: Array | None

    def __init__(
        self,
        sigma: ArrayLike,
        max_weight: ArrayLike = 1.0,
        *,
        pre=None,
        post=None,
        period: ArrayLike | None = None,
    ):
        self.sigma = as_float_array(sigma, "sigma", positive=True)
        self.max_weight = as_float_array(max_weight, "max_weight")
        self.pre, self.post, self.period = _geometry(pre, post, period)

    def profile(self, distance):
        """$w_\\max \\exp(-d^2 / 2\\sigma^2)$ at `distance`."""
        d = jnp.asarray(distance)
        return self.max_weight * _gaussian(d, self.sigma)


class DOGDecay(AbstractDistanceProfile):
    """A difference of Gaussians ("Mexican hat"): near excitation, broader inhibition:

    $$w_{ij} = a_e \\exp\\left(-\\frac{d_{ij}^2}{2\\sigma_e^2}\\right) -
    a_i \\exp\\left(-\\frac{d_{ij}^2}{2\\sigma_i^2}\\right).$$

    With $\\sigma_e < \\sigma_i$ and $a_e > a_i$ this is the lateral-inhibition kernel
    of neural field models, which supports localised bumps of activity.

    **Where neurons are.** `pre` and `post` are each either an `(n, d)` array of
    positions (an `(n,)` array for positions on a line), or a grid given as a tuple of
    ints `(h, w, ...)`: neuron `k` then sits at the row-major coordinates of cell `k`
    (unit spacing). `post=None` means the same neurons as `pre` (recurrent weights). With
    neither, neuron `k` sits at position `k` on a line, whatever the sizes. With
    `period`, each coordinate wraps around (a ring or a torus of that size).

    **Two ways to use it.** Called as an initialiser, `init(key, (n_pre, n_post))`
    gives the dense `(n_pre, n_post)` weight matrix of all pairwise distances (the key is
    ignored). For sparse connectivity, `init.pairs(conn.rows, conn.indices)` gives one
    weight per connection from the (pre, post) index pairs, and `init.profile(d)`
    evaluates the weight at given distances.

    **Arguments:**

    - `sigma_e`: the width $\\sigma_e > 0$ of excitation, in the unit of the positions.
    - `sigma_i`: the width $\\sigma_i > 0$ of inhibition.
    - `max_e`: the excitatory amplitude $a_e \\ge 0$ (the weight's unit).
    - `max_i`: the inhibitory amplitude $a_i \\ge 0$.
    - `pre`: where the presynaptic neurons are: an `(n_pre, d)` (or `(n_pre,)`) array of
      positions, a grid tuple such as `(20, 20)`, or `None` (neuron `k` at `k` on a line).
    - `post`: where the postsynaptic neurons are, likewise; `None` for the same as `pre`.
    - `period`: the size of the domain along each axis (a scalar or a `(d,)` array, in
      the unit of the positions) for periodic boundaries; `None` for none.

    ??? cite "References"

        Wilson, H. R., & Cowan, J. D. (1973). A mathematical theory of the functional
        dynamics of cortical and thalamic nervous tissue. *Kybernetik*, 13(2), 55–80.

        Amari, S. (1977). Dynamics of pattern formation in lateral-inhibition type neural
        fields. *Biological Cybernetics*, 27(2), 77–87.
    """

    sigma_e: Array
    sigma_i: Array
    max_e: Array
    max_i: Array
    pre: Float[Array, "n_pre d"] | None
    post: Float[Array, "n_post d"] | None
    period: Array | None

    def __init__(
        self,
        sigma_e: ArrayLike,
        sigma_i: ArrayLike,
        max_e: ArrayLike,
        max_i: ArrayLike,
        *,
        pre=None,
        post=None,
        period: ArrayLike | None = None,
    ):
        self.sigma_e = as_float_array(sigma_e, "sigma_e", positive=True)
        self.sigma_i = as_float_array(sigma_i, "sigma_i", positive=True)
        self.max_e = as_float_array(max_e, "max_e", nonnegative=True)
        self.max_i = as_float_array(max_i, "max_i", nonnegative=True)
        self.pre, self.post, self.period = _geometry(pre, post, period)

    def profile(self, distance):
        """$a_e e^{-d^2/2\\sigma_e^2} - a_i e^{-d^2/2\\sigma_i^2}$ at `distance`."""
        d = jnp.asarray(distance)
        return self.max_e * _gaussian(d, self.sigma_e) - self.max_i * _gaussian(d, self.sigma_i)

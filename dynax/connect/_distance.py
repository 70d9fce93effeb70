"""Distance-dependent random connectivity on grids or between given positions."""

import numbers
from collections.abc import Callable

import equinox as eqx
import numpy as np

from .._custom_types import PRNGKeyArray
from ._base import AbstractConnector, check_bool, check_budget, check_prob, check_size, numpy_rng
from ._csr import CSR
from ._sampling import bernoulli_rows

_BYTES = 12  # peak host memory per synapse of bernoulli_rows (measured, rounded up)
_PROBE_ROWS = 32  # rows whose probabilities estimate the number of synapses


def positions(x, name: str) -> np.ndarray:
    """`(n, d)` positions from an int (a line), a grid tuple, or an array of positions."""
    if isinstance(x, numbers.Integral) and not isinstance(x, bool):
        return np.arange(check_size(x, name), dtype=float)[:, None]
    if isinstance(x, tuple):
        # typeshed's numbers.Integral declares no comparison with int (hence the ignore).
        if not x or not all(isinstance(v, numbers.Integral) and v > 0 for v in x):  # type: ignore[operator]
            raise ValueError(f"A grid {name} must be a tuple of positive ints, got {name}={x!r}.")
        grid = np.unravel_index(np.arange(int(np.prod(x))), x)
        return np.stack(grid, axis=-1).astype(float)
    pos = np.asarray(x, dtype=float)
    if pos.ndim == 1:
        pos = pos[:, None]
    if pos.ndim != 2 or pos.shape[0] == 0 or not np.all(np.isfinite(pos)):
        raise ValueError(
            f"{name} must be a size (int), a grid (tuple of ints) or a finite (n, d) array "
            f"of positions, got shape {pos.shape}."
        )
    return pos


def _period(period) -> tuple[float, ...] | None:
    if period is None:
        return None
    p = np.atleast_1d(np.asarray(period, dtype=float))
    if p.ndim != 1 or not np.all(p > 0) or not np.all(np.isfinite(p)):
        raise ValueError(f"period must be None or positive lengths, got period={period!r}.")
    return tuple(float(v) for v in p)


def _connect(name, profile, period, include_self, pre, post, key, same_population) -> CSR:
    pre_pos, post_pos = positions(pre, "pre"), positions(post, "post")
    if pre_pos.shape[1] != post_pos.shape[1]:
        raise ValueError(
            f"pre and post positions must have the same dimension, got {pre_pos.shape[1]} "
            f"and {post_pos.shape[1]}."
        )
    if period is not None and len(period) not in (1, pre_pos.shape[1]):
        raise ValueError(
            f"period must have one length or one per dimension ({pre_pos.shape[1]}), got "
            f"{len(period)}."
        )
    box = None if period is None else np.broadcast_to(period, (pre_pos.shape[1],))
    n_pre, n_post = pre_pos.shape[0], post_pos.shape[0]
    if same_population and n_pre != n_post:
        raise ValueError(
            f"same_population=True needs n_pre == n_post, got n_pre={n_pre}, n_post={n_post}."
        )
    rng = numpy_rng(key)

    def prob(start, stop):
        delta = pre_pos[start:stop, None, :] - post_pos[None, :, :]
        if box is not None:
            delta -= box * np.round(delta / box)
        return profile(np.einsum("ijk,ijk->ij", delta, delta))

    # The expected number of synapses, from the probabilities of a few rows spread over
    # the population (evaluated without drawing, so the key's stream is unchanged).
    # One row at a time: a row of a million neurons already takes 16 MB per dimension.
    probe = np.unique(np.linspace(0, n_pre - 1, min(n_pre, _PROBE_ROWS)).astype(np.int64))
    expected = sum(float(prob(i, i + 1).sum()) for i in probe) * n_pre / probe.size
    check_budget(f"{name} between {n_pre} and {n_post} neurons", expected, _BYTES, expected=True)
    skip = same_population and not include_self
    indptr, cols = bernoulli_rows(rng, n_pre, n_post, prob, skip)
    return CSR(indptr, cols, n_post)


class GaussianProb(AbstractConnector):
    r"""Each pair is connected independently with a probability that falls off as a
    Gaussian of the distance $d$ between the neurons:

    $$p(d) = p_\max \exp\left(-\frac{d^2}{2\sigma^2}\right).$$

    **Where neurons are.** `pre` and `post` are each an int `n` (neurons at `0, 1, …,
    n - 1` on a line), a grid given as a tuple of ints `(h, w, ...)` (neuron `k` at the
    row-major coordinates of cell `k`, unit spacing), or an `(n, d)` array of positions
    (an `(n,)` array for positions on a line). With `period`, each coordinate wraps
    around (a ring or a torus of that size, e.g. `period=(h, w)` for an `(h, w)` grid).

    Each pair is one independent Bernoulli trial, so generation costs
    O(n_pre × n_post) (in blocks of rows, vectorised): fine up to some 10⁴ × 10⁴.

    **Arguments:**

    - `sigma`: the width $\sigma > 0$, in the unit of the positions (grid cells).
    - `p_max`: the probability $p_\max \in [0, 1]$ at distance 0.
    - `include_self`: whether neuron `i` may connect to itself when
      `same_population=True`.
    - `period`: the size of the domain along each axis (a scalar or one per
      dimension) for periodic boundaries; `None` for none.
    """

    sigma: float = eqx.field(static=True)
    p_max: float = eqx.field(static=True, default=1.0)
    include_self: bool = eqx.field(static=True, default=True)
    period: tuple[float, ...] | None = eqx.field(static=True, default=None, converter=_period)

    def __check_init__(self):
        if isinstance(self.sigma, bool) or not isinstance(self.sigma, numbers.Real):
            raise ValueError(f"sigma must be a positive number, got sigma={self.sigma!r}.")
        if not self.sigma > 0:
            raise ValueError(f"sigma must be a positive number, got sigma={self.sigma!r}.")
        check_prob(self.p_max, "p_max")
        check_bool(self.include_self, "include_self")

    def __call__(
        self, pre, post, key: PRNGKeyArray | None = None, *, same_population: bool = False
    ) -> CSR:
        scale = -0.5 / float(self.sigma) ** 2
        profile = lambda d2: self.p_max * np.exp(scale * d2)
        return _connect(
            type(self).__name__,
            profile,
            self.period,
            self.include_self,
            pre,
            post,
            key,
            same_population,
        )


class DistanceProb(AbstractConnector):
    """Each pair is connected independently with probability `profile(d)`, a function
    of the distance $d$ between the neurons (e.g. `lambda d: 0.3 * np.exp(-d / 5)`).

    **Where neurons are.** `pre` and `post` are each an int `n` (neurons at `0, 1, …,
    n - 1` on a line), a grid given as a tuple of ints `(h, w, ...)` (neuron `k` at the
    row-major coordinates of cell `k`, unit spacing), or an `(n, d)` array of positions
    (an `(n,)` array for positions on a line). With `period`, each coordinate wraps
    around (a ring or a torus of that size, e.g. `period=(h, w)` for an `(h, w)` grid).

    Each pair is one independent Bernoulli trial, so generation costs
    O(n_pre × n_post) (in blocks of rows, vectorised): fine up to some 10⁴ × 10⁴.

    **Arguments:**

    - `profile`: a NumPy function from an array of distances to probabilities in
      `[0, 1]` (elementwise; called on blocks of pairs).
    - `include_self`: whether neuron `i` may connect to itself when
      `same_population=True`.
    - `period`: the size of the domain along each axis for periodic boundaries; `None`
      for none.
    """

    profile: Callable = eqx.field(static=True)
    include_self: bool = eqx.field(static=True, default=True)
    period: tuple[float, ...] | None = eqx.field(static=True, default=None, converter=_period)

    def __check_init__(self):
        if not callable(self.profile):
            raise ValueError(f"profile must be a function of distance, got {self.profile!r}.")
        check_bool(self.include_self, "include_self")

    def __call__(
        self, pre, post, key: PRNGKeyArray | None = None, *, same_population: bool = False
    ) -> CSR:
        def profile(d2):
            p = np.asarray(self.profile(np.sqrt(d2)), dtype=float)
            if p.shape != d2.shape or not np.all((p >= 0) & (p <= 1)):
                raise ValueError(
                    "profile(d) must return one probability in [0, 1] per distance; got "
                    f"shape {p.shape} for {d2.shape} distances, range [{p.min()}, {p.max()}]."
                )
            return p

        return _connect(
            type(self).__name__,
            profile,
            self.period,
            self.include_self,
            pre,
            post,
            key,
            same_population,
        )

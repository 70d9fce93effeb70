"""The just-in-time connectivity operators under their BrainPy names (`event_mv_prob_*`,
`mv_prob_*`, `jitconn_todense`): methods of `dx.connect.JitProb`, whose rows
`dynax/ops/_jitconn.py` regenerates."""

from typing import cast

from .._custom_types import Array, ArrayLike, Float
from ._jitconn import _DISTS


def _apply(x, weight, prob, seed, shape, transpose, max_events, event, kernel="auto"):
    """The operators below as methods of `dx.connect.JitProb` (which owns the row cap,
    the weight distributions and the derivative rule)."""
    conn = _jit_prob(shape, prob, seed)
    weight = _distribution(*weight) if isinstance(weight, tuple) else weight
    if event:
        return conn.event_matvec(
            x, weight, transpose=transpose, max_events=max_events, kernel=kernel
        )
    return conn.matvec(x, weight, transpose=transpose)


def _doc_args(first: str) -> str:
    return f"""
    **Arguments:**

    - `{first}`: `(n_pre,)`, or `(n_post,)` with `transpose`.
    - `prob`: connection probability in (0, 1], a Python float (it fixes the static row
      cap $K$).
    - `seed`: an integer scalar (may be traced); the same seed gives the same matrix.
    - `shape`: `(n_pre, n_post)`.
    - `transpose`: compute $W x$ instead of $x W$.
    """


def event_mv_prob_homo(
    events: Array,
    weight: ArrayLike,
    prob: float,
    seed: ArrayLike,
    *,
    shape: tuple[int, int],
    transpose: bool = False,
    max_events: int | None = None,
    kernel: str = "auto",
) -> Float[Array, " n_out"]:
    r"""$y = e W$ with $W_{ij} = w$ on random connections of probability `prob`,
    regenerated from `seed` (see `jitconn_todense`), for spikes or float events.

    Only the rows of active presynaptic neurons are generated (compacted into buckets as
    in `event_csr_matvec`): cost O(#events × K), memory O(n). With `transpose=True`,
    $y = W e$ (each row gathers its columns). Derivatives are those of the dense product,
    with respect to `weight` and float `events`.

    **Arguments:**

    - `events`: `(n_pre,)` spikes or event values, `(n_post,)` with `transpose`.
    - `weight`: the weight of every connection, a scalar.
    - `prob`, `seed`, `shape`, `transpose`: as `mv_prob_homo`.
    - `max_events`: largest bucket of active rows (default `n_pre // 4`).
    - `kernel`: `"auto"` (a Pallas kernel on GPU, see `event_csr_matvec`; the compiled
      CPU kernel on a CPU where a C++ compiler is found, XLA otherwise), `"xla"`,
      `"native"` (the compiled CPU kernel: float32 output, bool or float32 events; other
      calls take the XLA path) or `"pallas"`. All apply the same connections.

    ??? cite "Reference"

        Just-in-time connectivity, regenerating random connections from a seed inside the
        operator instead of storing them, follows

        ```bibtex
        @article{wang2023brainpy,
          title={BrainPy, a flexible, integrative, efficient, and extensible framework
                 for general-purpose brain dynamics programming},
          author={Wang, Chaoming and Zhang, Tianqiu and Chen, Xiaoyu and He, Sichao and
                  Li, Shangyang and Wu, Si},
          journal={eLife},
          volume={12},
          pages={e86365},
          year={2023}
        }
        ```
    """
    return _apply(events, weight, prob, seed, shape, transpose, max_events, True, kernel)


def event_mv_prob_uniform(
    events: Array,
    w_low: ArrayLike,
    w_high: ArrayLike,
    prob: float,
    seed: ArrayLike,
    *,
    shape: tuple[int, int],
    transpose: bool = False,
    max_events: int | None = None,
    kernel: str = "auto",
) -> Float[Array, " n_out"]:
    r"""`event_mv_prob_homo` with weights uniform on $[w_{low}, w_{high})$, drawn per
    connection from the same seed. Differentiable in `w_low`, `w_high` and float events.

    **Arguments:** as `event_mv_prob_homo`, with `w_low`, `w_high` (scalars) for `weight`.
    """
    weight = ("uniform", w_low, w_high)
    return _apply(events, weight, prob, seed, shape, transpose, max_events, True, kernel)


def event_mv_prob_normal(
    events: Array,
    w_mu: ArrayLike,
    w_sigma: ArrayLike,
    prob: float,
    seed: ArrayLike,
    *,
    shape: tuple[int, int],
    transpose: bool = False,
    max_events: int | None = None,
    kernel: str = "auto",
) -> Float[Array, " n_out"]:
    r"""`event_mv_prob_homo` with weights normal $\mathcal N(w_\mu, w_\sigma^2)$, drawn
    per connection from the same seed (Box–Muller on 24-bit uniforms: tails reach ±5.8σ).
    Differentiable in `w_mu`, `w_sigma` and float events.

    **Arguments:** as `event_mv_prob_homo`, with `w_mu`, `w_sigma` (scalars) for `weight`.
    """
    weight = ("normal", w_mu, w_sigma)
    return _apply(events, weight, prob, seed, shape, transpose, max_events, True, kernel)


def mv_prob_homo(
    x: Array,
    weight: ArrayLike,
    prob: float,
    seed: ArrayLike,
    *,
    shape: tuple[int, int],
    transpose: bool = False,
) -> Float[Array, " n_out"]:
    r"""$y = x W$ for a dense float `x`, with the matrix of `event_mv_prob_homo`
    (every row is generated, in blocks: cost O(n_pre × K), memory O(n)).
    """
    return _apply(x, weight, prob, seed, shape, transpose, None, False)


def _jit_prob(shape, prob, seed):
    # Imported here: dx.connect builds on this module.
    from ..connect import JitProb

    return JitProb(*shape, prob, seed)


def _distribution(dist: str, first, second):
    """`dx.init.Uniform(first, second)` or `dx.init.Normal(first, second)`."""
    from ..init import Normal, Uniform

    return Uniform(first, second) if dist == "uniform" else Normal(first, second)


def mv_prob_uniform(
    x: Array,
    w_low: ArrayLike,
    w_high: ArrayLike,
    prob: float,
    seed: ArrayLike,
    *,
    shape: tuple[int, int],
    transpose: bool = False,
) -> Float[Array, " n_out"]:
    r"""$y = x W$ for a dense float `x`, with the matrix of `event_mv_prob_uniform`."""
    return _apply(x, ("uniform", w_low, w_high), prob, seed, shape, transpose, None, False)


def mv_prob_normal(
    x: Array,
    w_mu: ArrayLike,
    w_sigma: ArrayLike,
    prob: float,
    seed: ArrayLike,
    *,
    shape: tuple[int, int],
    transpose: bool = False,
) -> Float[Array, " n_out"]:
    r"""$y = x W$ for a dense float `x`, with the matrix of `event_mv_prob_normal`."""
    return _apply(x, ("normal", w_mu, w_sigma), prob, seed, shape, transpose, None, False)


for _f in (mv_prob_homo, mv_prob_uniform, mv_prob_normal):
    assert _f.__doc__ is not None  # each has one
    _f.__doc__ += _doc_args("x")


def jitconn_todense(
    prob: float,
    seed: ArrayLike,
    *,
    shape: tuple[int, int],
    dist: str = "homo",
    weight: ArrayLike | tuple[ArrayLike, ArrayLike] = 1.0,
) -> Float[Array, "n_pre n_post"]:
    r"""The `(n_pre, n_post)` matrix that the JIT-connectivity operators apply (for tests
    and small networks; it costs O(n_pre × n_post) memory).

    **Arguments:**

    - `prob`, `seed`, `shape`: as the operators.
    - `dist`: `"homo"`, `"uniform"` or `"normal"`.
    - `weight`: `weight` for `"homo"`, `(w_low, w_high)` for `"uniform"`, `(w_mu, w_sigma)`
      for `"normal"`.
    """
    if dist not in _DISTS:
        raise ValueError(f"dist must be one of {_DISTS}, got {dist!r}.")
    # For "uniform" and "normal", `weight` is the pair of the distribution's parameters.
    distribution = weight if dist == "homo" else _distribution(dist, *cast(tuple, weight))
    return _jit_prob(shape, prob, seed).todense(distribution)

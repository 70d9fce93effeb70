"""The connector contract, argument checks, and per-synapse data handling."""

import abc
import numbers

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import PRNGKeyArray
from ._csr import CSR


class AbstractConnector(eqx.Module):
    """Something that builds connectivity between two populations.

    `connector(pre, post, key, *, same_population=False)` returns a `dx.connect.CSR`
    from `pre` to `post`. `pre` and `post` are population sizes (ints) for most
    connectors; spatial connectors also take grids (tuples of ints) or positions. Random
    connectors need `key`, a JAX PRNG key: the same key gives the same connectivity, in
    any process. `same_population=True` says that pre and post are the same neurons, so
    that `include_self` can exclude the connections $i \\to i$. Another format is one
    method away: `connector(n, n, key).to_fan_out()`, `.to_csc()`, `.to_coo()`.
    """

    @abc.abstractmethod
    def __call__(
        self, pre, post, key: PRNGKeyArray | None = None, *, same_population: bool = False
    ) -> CSR:
        """The connectivity from `pre` to `post`."""


def numpy_rng(key: PRNGKeyArray | None, name: str = "key") -> np.random.Generator:
    """A NumPy generator seeded by every word of a JAX key (typed or raw `uint32`)."""
    if key is None:
        raise ValueError(f"This connector is random: pass a JAX PRNG key, got {name}=None.")
    data = jax.random.key_data(key) if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) else key
    return np.random.default_rng(np.asarray(data).ravel().tolist())


def check_size(n, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n <= 0:
        raise ValueError(f"{name} must be a positive int, got {name}={n!r}.")
    return int(n)


def check_sizes(n_pre, n_post, same_population: bool) -> tuple[int, int]:
    n_pre, n_post = check_size(n_pre, "n_pre"), check_size(n_post, "n_post")
    if same_population and n_pre != n_post:
        raise ValueError(
            f"same_population=True needs n_pre == n_post, got n_pre={n_pre}, n_post={n_post}."
        )
    return n_pre, n_post


def check_prob(p, name: str = "prob") -> float:
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {name}={p!r}.")
    return float(p)


def check_bool(value, name: str) -> None:
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be True or False, got {name}={value!r}.")


def check_num(num, name: str = "num") -> None:
    """A count (int >= 0) or a fraction (float in [0, 1])."""
    if isinstance(num, bool) or not isinstance(num, numbers.Real):
        raise ValueError(f"{name} must be an int >= 0 or a float in [0, 1], got {name}={num!r}.")
    if isinstance(num, numbers.Integral):
        if num < 0:
            raise ValueError(f"{name} must be >= 0, got {name}={num!r}.")
    elif not 0.0 <= num <= 1.0:
        raise ValueError(
            f"{name} as a float is a fraction and must lie in [0, 1], got {name}={num!r} "
            "(pass an int for a count)."
        )


def resolve_num(num, available: int, allow_multi: bool, name: str, of: str) -> int:
    """The count that `num` asks for: itself if an int, else `round(num * available)`."""
    count = int(num) if isinstance(num, numbers.Integral) else int(round(num * available))
    if not allow_multi and count > available:
        raise ValueError(
            f"{name}={num!r} asks for {count} distinct connections but {of} has only "
            f"{available} candidates; lower {name} or pass allow_multi=True."
        )
    return count

"""The connector contract, argument checks, and per-synapse data handling."""

import abc
import numbers
import os
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import PRNGKeyArray
from ._connectivity import INT32_MAX
from ._csr import CSR
from ._validate import check_size as check_size


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


def check_sizes(n_pre, n_post, same_population: bool) -> tuple[int, int]:
    n_pre, n_post = check_size(n_pre, "n_pre"), check_size(n_post, "n_post")
    if same_population and n_pre != n_post:
        raise ValueError(
            f"same_population=True needs n_pre == n_post, got n_pre={n_pre}, n_post={n_post}."
        )
    return n_pre, n_post


def check_prob(p, name: str = "prob") -> float:
    # typeshed's numbers.Real declares no comparison with float (hence the ignore).
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:  # type: ignore[operator]
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
    elif not 0.0 <= num <= 1.0:  # type: ignore[operator]  # numbers.Real vs float, as above
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


def available_memory() -> int:
    """Bytes of memory this process can still take: the kernel's estimate of what is
    available without swapping (`MemAvailable`), within the container's limit (cgroup v2)
    when there is one; the physical memory where neither is readable."""
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit != "max":
            used = int(Path("/sys/fs/cgroup/memory.current").read_text())
            found.append(int(limit) - used)
    except (OSError, ValueError):
        pass
    if not found:
        try:
            found.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
        except (OSError, ValueError, AttributeError):
            return 2**63 - 1  # unknown: no limit
    return max(0, min(found))


def check_budget(
    name: str, synapses: float, bytes_per_synapse: float, *, expected: bool = False
) -> None:
    """Refuse, before generating anything, connectivity that int32 indices cannot address
    or that would not fit in memory.

    `synapses` is the number of synapses the connector will make (its expectation when
    `expected`); `bytes_per_synapse` the host memory that generating each one takes at
    the peak (the int32 index it ends up as, plus the generator's temporaries)."""
    about = "about " if expected else ""
    if synapses > INT32_MAX:
        raise ValueError(
            f"{name} would make {about}{synapses:.3g} synapses, more than the 2**31 - 1 "
            f"(2.1e9) that int32 indices address. For random connectivity this large use "
            f"dx.connect.JitProb, which regenerates each neuron's connections from a seed "
            f"inside the operators (no memory per synapse); otherwise use fewer neurons or "
            f"fewer connections per neuron."
        )
    need, have = synapses * bytes_per_synapse, available_memory()
    if need > have:
        raise ValueError(
            f"{name} would need {about}{need / 1e9:.3g} GB of memory to generate "
            f"{about}{synapses:.3g} synapses ({bytes_per_synapse:g} bytes each at the peak), "
            f"but {have / 1e9:.3g} GB is available. Use dx.connect.JitProb (connections "
            f"regenerated from a seed, no memory per synapse) for random connectivity, or "
            f"fewer neurons or connections per neuron."
        )

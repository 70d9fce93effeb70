"""Checks of connectivity arrays: at construction, and again before a run.

A format lists the conditions on its arrays (`AbstractConnectivity.invariants`):
`Pointers` (row pointers) and `Within` (indices in a range). Concrete arrays are checked
on the host with NumPy (a CPU array is read in place, without a copy), or on their device
by one jitted reduction (only a failure is copied to the host, to locate it); arrays
being traced (a `simulate` under `jit` or `vmap`) get `eqx.error_if` checks instead.
A connectivity found valid is remembered by the identity of its arrays, which JAX never
changes in place, so checking the same model again costs a dictionary lookup.
"""

import functools
import weakref
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.tree_util as jtu
import numpy as np

from .._checks import check_size as check_size
from ._connectivity import INT32_MAX, AbstractConnectivity, Invariant, Pointers, Within

# ---------------------------------------------------------------------------------------
# Static conditions: shapes and dtypes (also known for arrays being traced)


def _shape_problem(inv: Invariant) -> str | None:
    """What is wrong with the shape or dtype of `inv.array`, or None. Leading axes beyond
    the expected ones are a batch (a stacked model)."""
    name, shape, dtype = inv.field, tuple(inv.array.shape), inv.array.dtype
    if not jnp.issubdtype(dtype, jnp.integer):
        return f"{name} must hold integers, got dtype {dtype}"
    if isinstance(inv, Pointers):
        if inv.n_rows is None:
            ok = len(shape) == 1 and shape[0] >= 1
            expected = "(n + 1,): 1-d, at least one entry"
        else:
            ok = len(shape) >= 1 and shape[-1] == inv.n_rows + 1
            expected = f"({inv.rows_name} + 1,) = ({inv.n_rows + 1},)"
        return None if ok else f"{name} has shape {shape}, expected {expected}"
    want = inv.shape
    tail = shape[len(shape) - len(want) :] if len(shape) >= len(want) else None
    if tail is None or any(w is not None and w != s for w, s in zip(want, tail)):
        expected_shape = tuple("any" if w is None else w for w in want)
        return f"{name} has shape {shape}, expected {expected_shape}".replace("'", "")
    return None


# ---------------------------------------------------------------------------------------
# Values on the host (NumPy)


def _at(name: str, index) -> str:
    return f"{name}[{', '.join(str(int(i)) for i in np.atleast_1d(index))}]"


def _first(bad: np.ndarray) -> tuple:
    return np.unravel_index(int(np.argmax(bad)), bad.shape)


def _pointer_values(inv: Pointers, p: np.ndarray) -> str | None:
    name, total = inv.field, inv.total
    p = p.astype(np.int64, copy=False)
    start = p[..., 0]
    if np.any(start != 0):
        at = _first(start != 0)
        return f"{_at(name, (*at, 0))} = {start[at]}, expected 0"
    outside = (p < 0) | (p > total)
    if np.any(outside):
        at = _first(outside)
        return (
            f"{_at(name, at)} = {p[at]} is outside [0, {inv.total_name}] = [0, {total}] "
            f"({name} must be non-decreasing from 0 to {inv.total_name})"
        )
    d = np.diff(p, axis=-1)
    if d.size and d.min() < 0:
        at = _first(d < 0)
        after = (*at[:-1], at[-1] + 1)
        return (
            f"{name} decreases at position {at[-1] + 1}: {_at(name, after)} = {p[after]} < "
            f"{_at(name, at)} = {p[at]} ({name} must be non-decreasing)"
        )
    end = p[..., -1]
    if np.any(end != total):
        at = _first(end != total)
        return (
            f"{_at(name, (*at, p.shape[-1] - 1))} = {end[at]}, expected {inv.total_name} = {total}"
        )
    if inv.longest is not None and d.size and d.max() > inv.longest:
        at = _first(d > inv.longest)
        return (
            f"row {at[-1]} has {d[at]} connections ({name}[{at[-1] + 1}] - {name}[{at[-1]}]), "
            f"more than {inv.longest_name} = {inv.longest}"
        )
    return None


def _within_values(inv: Within, x: np.ndarray) -> str | None:
    if x.size == 0:
        return None
    high = inv.high
    if x.dtype == np.int32:  # negative entries are huge as uint32: one pass, no temporary
        bad = int(x.view(np.uint32).max()) >= high
    elif np.issubdtype(x.dtype, np.unsignedinteger):
        bad = int(x.max()) >= high
    else:
        bad = int(x.min()) < 0 or int(x.max()) >= high
    if not bad:
        return None
    at = _first((x < 0) | (x >= high))
    return f"{_at(inv.field, at)} = {x[at]} is outside [0, {inv.high_name}) = [0, {high})"


def host_problem(inv: Invariant) -> str | None:
    """What is wrong with `inv.array` (shape, dtype, values), or None; on the host."""
    problem = _shape_problem(inv)
    if problem is None:
        x = np.asarray(inv.array)
        problem = _pointer_values(inv, x) if isinstance(inv, Pointers) else _within_values(inv, x)
    return problem


def check(kind: str, *invariants: Invariant) -> None:
    """Raise a ValueError naming `kind` and the first problem of `invariants` (host arrays)."""
    for inv in invariants:
        problem = host_problem(inv)
        if problem is not None:
            raise ValueError(f"{kind}: {problem}.")


def check_count(nnz: int, kind: str = "connectivity") -> None:
    if nnz > INT32_MAX:
        raise ValueError(
            f"{kind}: {nnz} connections do not fit int32 indices (at most 2**31 - 1 = "
            f"{INT32_MAX}); use dx.connect.JitProb, which regenerates the connections from a "
            "seed, or split the projection."
        )


# ---------------------------------------------------------------------------------------
# Values on a device, or being traced (jax.numpy)


def _outside(x, high: int):
    """Elementwise x < 0 or x >= high. (Two comparisons: XLA's CPU reductions ran them
    twice as fast as one unsigned comparison of the bits, 13 against 28 ms over 32
    million entries.)"""
    return (x < 0) | (x >= high)


def _flags(inv: Invariant, x) -> list[tuple[Any, str]]:
    """`(bad, what)` pairs: `bad` a traced bool, `what` the condition it breaks."""
    name = inv.field
    if isinstance(inv, Within):
        return [(jnp.any(_outside(x, inv.high)), f"{name} in [0, {inv.high_name})")]
    d = jnp.diff(x, axis=-1)
    flags = [
        (jnp.any(x[..., 0] != 0), f"{name}[0] == 0"),
        # In [0, total] first, so that the differences below cannot overflow.
        (jnp.any(_outside(x, inv.total + 1)), f"{name} in [0, {inv.total_name}]"),
        (jnp.any(d < 0), f"{name} non-decreasing"),
        (jnp.any(x[..., -1] != inv.total), f"{name}[-1] == {inv.total_name}"),
    ]
    if inv.longest is not None:
        flags.append((jnp.any(d > inv.longest), f"rows of {name} at most {inv.longest_name} long"))
    return flags


@functools.partial(jax.jit, static_argnums=0)
def _any_bad(statics: tuple, arrays: list):
    bad = jnp.zeros((), bool)
    for inv, x in zip(statics, arrays):
        for flag, _ in _flags(inv, x):
            bad = bad | flag
    return bad


# ---------------------------------------------------------------------------------------
# validate


# Connectivity found valid, by its kind, sizes and arrays' identities: key -> weak
# references to the arrays (an entry leaves when one of them is freed).
_VALID: dict[tuple, tuple] = {}


def _key(conn, invariants) -> tuple:
    return (type(conn), *((inv._replace(array=id(inv.array))) for inv in invariants))


def _known(key, arrays) -> bool:
    refs = _VALID.get(key)
    return refs is not None and all(r() is a for r, a in zip(refs, arrays))


def _remember(key, arrays) -> None:
    forget = lambda _, key=key: _VALID.pop(key, None)
    _VALID[key] = tuple(weakref.ref(a, forget) for a in arrays)


def _on_host(x) -> bool:
    if isinstance(x, np.ndarray):
        return True
    return x.is_fully_addressable and all(d.platform == "cpu" for d in x.devices())


def _is_array(x) -> bool:
    return isinstance(x, np.ndarray | jax.Array)


def _fail(conn, where, problem: str):
    kind = type(conn).__name__
    at = f" at {where()}" if where() else ""
    return ValueError(
        f"invalid dx.connect.{kind}{at}: {problem}. Its arrays were changed after it was "
        f"built (with eqx.tree_at, or a damaged or mismatched checkpoint?): rebuild it with "
        f"dx.connect.{kind}(...), which checks its arguments."
    )


def _traced(conn, invariants, where):
    """`conn` with every array carrying the checks of all its invariants (any array may
    be the only one a computation reads, and an unread check would be dropped)."""
    flags = [flag for inv in invariants for flag in _flags(inv, inv.array)]
    if not flags:
        return conn
    bad = jnp.stack([b for b, _ in flags])
    at = f" at {where()}" if where() else ""
    messages = tuple(
        f"invalid dx.connect.{type(conn).__name__}{at}: {what} does not hold (its arrays are "
        "traced here, under jit or vmap: call dx.connect.validate on the concrete model to "
        "locate the first bad entry)"
        for _, what in flags
    )
    for inv in invariants:
        x = eqx.branched_error_if(inv.array, jnp.any(bad), jnp.argmax(bad), messages)
        conn = eqx.tree_at(lambda c, f=inv.field: getattr(c, f), conn, x)
    return conn


def _validate_one(conn: AbstractConnectivity, where) -> AbstractConnectivity:
    """`conn`, checked (traced arrays: carrying their checks); `where()` names it."""
    invariants = [inv for inv in conn.invariants() if _is_array(inv.array)]
    if not invariants:  # nothing stored (JitProb), or no arrays (a partitioned model)
        return conn
    arrays = [inv.array for inv in invariants]
    traced = any(isinstance(a, jax.core.Tracer) for a in arrays)
    # NumPy arrays are mutable: only JAX arrays are remembered.
    cacheable = not traced and all(isinstance(a, jax.Array) for a in arrays)
    key = _key(conn, invariants) if cacheable else None
    if cacheable and _known(key, arrays):
        return conn
    for inv in invariants:  # shapes and dtypes are known even while tracing
        problem = _shape_problem(inv)
        if problem is not None:
            raise _fail(conn, where, problem)
    if traced:
        return _traced(conn, invariants, where)
    if not all(_on_host(a) for a in arrays):
        statics = tuple(inv._replace(array=None) for inv in invariants)
        if not bool(_any_bad(statics, arrays)):
            invariants = []  # valid: nothing to locate
    for inv in invariants:
        problem = host_problem(inv)
        if problem is not None:
            raise _fail(conn, where, problem)
    if cacheable:
        _remember(key, arrays)
    return conn


def _is_connectivity(x) -> bool:
    return isinstance(x, AbstractConnectivity)


def validate(tree: Any, name: str = "model") -> Any:
    """Check every connectivity (`dx.connect.CSR`, `CSC`, `COO`, `FanOut`, …) found in
    `tree` (a model, or any pytree) and return `tree`.

    A constructor checks its arguments, but arrays can be replaced afterwards: by
    `eqx.tree_at`, or by loading a checkpoint into a model. Out-of-range row pointers or
    indices would then make the XLA operators read the wrong entries (their gathers clamp)
    and are ignored by the compiled kernels (rows clamped, targets outside the population
    skipped): wrong conductances, with no error. `dx.simulate` therefore calls this on
    its model at every call. What is checked: row pointers (`indptr`) of length
    `n_pre + 1` (`n_post + 1` for CSC), non-decreasing from 0 to the number of
    connections, rows no longer than the static `max_fan_out` (`max_fan_in`); indices in
    `[0, n_post)` (`[0, n_pre)` for CSC; `[0, n_post]` for a `FanOut` table, `n_post`
    being padding); integer dtypes.

    **Cost.** Concrete arrays are checked once, with NumPy on the host (a CPU array is
    read in place) or, on another device, by one jitted reduction there; a connectivity
    found valid is remembered by the identity of its arrays (JAX arrays never change in
    place), so checking the same model again costs a dictionary lookup. Measured on CPU
    at 400 000 neurons and 32 million synapses (`dx.networks.coba_network(320000, 80000)`),
    see `benchmarks/README.md`. Arrays being traced (a `simulate` under `jit` or `vmap`)
    are checked inside the computation, once per call and outside the time loop, with
    `eqx.error_if`: a bad array raises an `EquinoxRuntimeError` when the computation
    runs, naming the condition but not the position; the returned `tree` carries these
    checks, so use it in place of `tree`.

    **Arguments:**

    - `tree`: any pytree; every `dx.connect.AbstractConnectivity` in it is checked
      (leaves that are not arrays, such as `None` or `jax.ShapeDtypeStruct`, are skipped).
    - `name`: how messages name `tree` (e.g. `model.projections['E2I'].conn`).

    **Raises:** `ValueError` naming the format, where it sits in `tree`, the array and
    its first bad position, e.g. `invalid dx.connect.CSR at
    model.projections['S2N'].conn: indptr[2] = 50000000 is outside [0, len(indices)] =
    [0, 2]`.
    """
    if isinstance(tree, AbstractConnectivity):
        return _validate_one(tree, lambda: name)
    leaves, treedef = jtu.tree_flatten(tree, is_leaf=_is_connectivity)

    def where(k: int):  # the path of leaf k, only needed for a message
        paths = jtu.tree_flatten_with_path(tree, is_leaf=_is_connectivity)[0]
        return name + jtu.keystr(paths[k][0])

    out = [
        _validate_one(x, functools.partial(where, k)) if _is_connectivity(x) else x
        for k, x in enumerate(leaves)
    ]
    if all(a is b for a, b in zip(out, leaves)):
        return tree
    return jtu.tree_unflatten(treedef, out)

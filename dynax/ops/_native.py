"""Compiled CPU kernels for event-driven propagation, called through XLA's FFI.

XLA's CPU runtime runs a step of the bucketed path (`_compact.py`) as some twenty
separate kernels per projection (packing, a binary search, gathers, a scatter), each
costing a fraction of a microsecond to dispatch, and its elementwise gathers of the
active rows' targets were the largest single cost at 40 000 neurons. `native/event.cc`
does the same work in one loop: it scans the event vector (eight bytes at a time for
spikes) and adds each active row's connections to the output.

`csr_ring` and `fan_out_ring` add each connection instead into the slot of a ring of
future steps that its own delay picks (per-connection delays, `dx.connect.RingDelayed`).

`jit_prob` regenerates the rows of just-in-time connectivity (`_jitconn.py`) with the
same integer hash and logarithm as the XLA path: the same columns.

`plastic_trace` is a step of an event-driven trace rule of `dx.plasticity` (the
arriving weights delivered, then the weights of the spiking rows and columns changed in
place): the XLA path's `while_loop` over chunks of spiking neurons ran each chunk as
XLA CPU gathers and scatters costing as much as a whole step of the network.

The kernels add into a given buffer in place (`init`, aliased to the output): a
network adds the arriving weights straight into the decayed synaptic variables.

They are compiled on first use (about 5 s) with the machine's C++ compiler (`$CXX`,
else `c++`, `g++` or `clang++`) against the FFI headers shipped with jaxlib, and cached
under `$DYNAX_CACHE_DIR` (default `~/.cache/dynax`), keyed by the source, the compiler
command, the jaxlib version and the host's CPU; a build removes the libraries unused
for 30 days. Without a compiler, `kernel="auto"` keeps the XLA path; `kernel="native"`
then raises with the compiler's message. A build is logged once (logger `dynax`, level
INFO: where and why it compiles). `DYNAX_NATIVE=0` in the environment turns the kernels
off: `kernel="auto"` keeps the XLA path and nothing is compiled.
"""

import ctypes
import functools
import hashlib
import logging
import os
import platform
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import jaxlib
import numpy as np
from jax.custom_batching import custom_vmap

from .._custom_types import Array, ArrayLike

_SOURCE = Path(__file__).parent / "native" / "event.cc"
_TARGETS = {
    "dynax_event_csr": "DynaxEventCsr",
    "dynax_event_fan_out": "DynaxEventFanOut",
    "dynax_event_csr_ring": "DynaxEventCsrRing",
    "dynax_event_fan_out_ring": "DynaxEventFanOutRing",
    "dynax_event_jit": "DynaxEventJit",
    "dynax_plastic_trace": "DynaxPlasticTrace",
}
_UNUSED_S = 30 * 86400  # a cached library unused this long is removed by the next build


def _compiler() -> str | None:
    for name in (os.environ.get("CXX"), "c++", "g++", "clang++"):
        if name and shutil.which(name):
            return name
    return None


def _host() -> str:
    """The CPU model and instruction-set flags (Linux), else the processor's name."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.machine() + platform.processor()
    wanted = [ln for ln in lines if ln.startswith(("model name", "flags", "Features"))]
    return "\n".join(dict.fromkeys(wanted))


_LOG = logging.getLogger("dynax")


@functools.cache
def _library() -> tuple[object | None, str]:
    """The loaded, registered library, or None and why not."""
    if os.environ.get("DYNAX_NATIVE", "1").strip().lower() in ("0", "false", "no", "off"):
        return None, "the compiled CPU kernels are turned off (DYNAX_NATIVE=0)"
    return load(_SOURCE)


def load(
    source: Path, suffix: str = "", targets: dict[str, str] | None = None
) -> tuple[object | None, str]:
    """Build (or find in the cache) the kernels of `source`, load them and register their
    targets (`targets`: FFI name → symbol, default this file's: `dynax_event_csr` +
    `suffix`, ...); None and why not when that fails. Another `source` and `suffix` let a
    benchmark time two versions of the kernels side by side."""
    cxx = _compiler()
    if cxx is None:
        return None, "no C++ compiler found (set CXX)"
    # No fused multiply-add: the JIT kernel's weights must round as XLA's do.
    base = ["-O3", "-std=c++17", "-ffp-contract=off", "-shared", "-fPIC", "-w"]
    errors = []
    # Tuned to the host first, then generic (a compiler may not know -march=native).
    for flags in (["-march=native", *base], base):
        try:
            path, error = _build(cxx, flags, Path(source))
        except OSError as e:  # e.g. a cache directory that cannot be written
            path, error = None, f"building the kernels failed: {e}"
        if path is None:
            errors.append(error)
            continue
        try:
            library = ctypes.CDLL(str(path))
        except OSError as e:
            errors.append(f"loading {path} failed: {e}")
            continue
        for name, symbol in (_TARGETS if targets is None else targets).items():
            capsule = jax.ffi.pycapsule(getattr(library, symbol))
            jax.ffi.register_ffi_target(name + suffix, capsule, platform="cpu")
        return library, ""
    return None, "\n".join(errors)


def _build(cxx: str, flags: list[str], source_path: Path = _SOURCE) -> tuple[Path | None, str]:
    """The cached library built with these flags (building it if needed), or None and
    the compiler's message."""
    source = source_path.read_bytes()
    headers = [h.read_bytes() for h in sorted(source_path.parent.glob("*.h"))]  # it includes
    # The key names the host's CPU too (-march=native), for caches shared by machines.
    parts: list[bytes | str] = [source, *headers, " ".join([cxx, *flags])]
    parts += [jaxlib.__version__, _host()]
    key = hashlib.sha256(b"\0".join(p if isinstance(p, bytes) else p.encode() for p in parts))
    cache = Path(os.environ.get("DYNAX_CACHE_DIR") or Path.home() / ".cache" / "dynax")
    path = cache / f"event-{key.hexdigest()[:16]}.so"
    if path.exists():
        try:
            os.utime(path)  # its last use, for `_prune`
        except OSError:  # a read-only cache
            pass
        return path, ""
    cache.mkdir(parents=True, exist_ok=True)
    _LOG.info(
        "dynax: compiling the CPU event kernels once (a few seconds) into %s; "
        "DYNAX_NATIVE=0 keeps the XLA path instead",
        path,
    )
    # Compiled to a temporary name and renamed: concurrent processes never load a
    # half-written library.
    fd, tmp = tempfile.mkstemp(prefix="event-build-", suffix=".so", dir=cache)
    os.close(fd)
    command = [cxx, *flags, f"-I{jax.ffi.include_dir()}", str(source_path), "-o", tmp]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        os.unlink(tmp)
        return None, f"{' '.join(command)} failed:\n{done.stderr[-2000:]}"
    os.replace(tmp, path)
    _prune(cache)
    return path, ""


def _prune(cache: Path):
    """Remove the libraries (and abandoned builds) in `cache` unused for `_UNUSED_S`:
    those of earlier versions of the source, the compiler or jaxlib."""
    for old in cache.glob("event-*.so"):
        try:
            if time.time() - old.stat().st_mtime > _UNUSED_S:
                old.unlink()
        except OSError:  # removed by another process, or a read-only cache
            pass


def available() -> bool:
    """Whether the compiled kernels can be used (compiling them on first call)."""
    return _library()[0] is not None


def require():
    """Raise with the compiler's message when the kernels cannot be built."""
    library, why = _library()
    if library is None:
        raise RuntimeError(f'kernel="native" needs the compiled CPU kernels: {why}')


def supports(events: Array, dtype) -> bool:
    """Whether these kernels take this call: float32 output, bool or float32 events."""
    return jnp.dtype(dtype) == jnp.float32 and events.dtype in (jnp.bool_, jnp.float32)


def _call(
    target: str,
    events: Array,
    conn: tuple,
    weight: Array,
    init: Array,
    ints: tuple = (),
    attrs: tuple[tuple[str, object], ...] = (),
) -> Array:
    """The kernel `target` on `(events, *conn, weight, *ints, init)`, with the weight and
    the int32 arrays `ints` (delays, head) flattened to one trailing dimension."""
    weight = jnp.asarray(weight, jnp.float32)
    weight = weight.reshape(1) if weight.ndim == 0 else weight.reshape(-1)
    conn = tuple(jnp.asarray(a).astype(jnp.int32) for a in conn)
    ints = tuple(jnp.asarray(a).astype(jnp.int32).reshape(-1) for a in ints)
    trailing = (1, *(a.ndim for a in conn), 1, *(1 for _ in ints), 1)
    call = _batched(target, trailing, attrs)
    return call(events, *conn, weight, *ints, init.astype(jnp.float32))


def _check_shapes(events, weight, n_rows: int, rows: str, conn_shape: tuple, what: str):
    """The kernels refuse (with an error, at run time) sizes that do not match: say so
    here, at trace time, in terms of the arrays the caller passed."""
    weight = jnp.asarray(weight)
    if events.ndim < 1 or events.shape[-1] != n_rows:
        raise ValueError(f"events has shape {events.shape}, expected ({rows},) = ({n_rows},).")
    if weight.ndim and weight.shape != conn_shape:
        raise ValueError(f"weight has shape {weight.shape}, expected () or {conn_shape} ({what}).")


@functools.cache
def _batched(
    target: str, trailing: tuple[int, ...], attrs: tuple[tuple[str, object], ...], n_out: int = 1
):
    """The FFI call (with static attributes `attrs`) on arrays with leading batch
    dimensions, as the kernels take them: each array's leading dimensions multiply to 1
    (shared) or to those of the outputs, which are the last `n_out` arguments' (aliased to
    them; one output is returned as an array, several as a tuple)."""

    def call(*args):
        first = len(args) - n_out
        outs = [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in args[first:]]
        aliases = {first + k: k for k in range(n_out)}
        result = jax.ffi.ffi_call(
            target, outs if n_out > 1 else outs[0], input_output_aliases=aliases
        )
        out = result(*args, **dict(attrs))
        return tuple(out) if n_out > 1 else out

    batched = custom_vmap(call)

    @batched.def_vmap
    def rule(axis_size, in_batched, *args):
        args = [a if b else jnp.expand_dims(a, 0) for a, b in zip(args, in_batched)]
        first = len(args) - n_out
        rest = args[:first]
        inits = [jnp.broadcast_to(a, (axis_size, *a.shape[1:])) for a in args[first:]]
        lead = inits[0].shape[: inits[0].ndim - trailing[first]]
        size = int(np.prod(lead))
        rest = [
            a
            if int(np.prod(a.shape[: a.ndim - t])) in (1, size)
            else jnp.broadcast_to(a, (*lead, *a.shape[a.ndim - t :]))
            for a, t in zip(rest, trailing)
        ]
        out = batched(*rest, *inits)
        return out, (True,) * n_out if n_out > 1 else True

    return batched


def csr(events: Array, indptr: Array, indices: Array, weight: Array, init: Array) -> Array:
    """`init + events @ W` for events `(..., n_pre)` over CSR rows, added into `init` in
    place; `weight` is a scalar or `(nnz,)`. A row's span is clamped to the connections
    that exist and targets outside `[0, n_post)` are skipped, so arrays with any values
    never make the kernel read or write outside them."""
    if indptr.ndim != 1 or indices.ndim != 1:
        raise ValueError(f"indptr and indices must be 1-d, got {indptr.shape}, {indices.shape}.")
    n_pre = indptr.shape[0] - 1
    _check_shapes(events, weight, n_pre, "len(indptr) - 1", indices.shape, "one per connection")
    return _call("dynax_event_csr", events, (indptr, indices), weight, init)


def fan_out(events: Array, table: Array, weight: Array, init: Array) -> Array:
    """`init + events @ W` for events `(..., n_pre)` over a `(n_pre, k)` table of targets
    (`n_post` pads), added into `init` in place; `weight` is a scalar or `(n_pre, k)`.
    Targets outside `[0, n_post)` are skipped."""
    if table.ndim != 2:
        raise ValueError(f"the table must be 2-d (n_pre, k), got shape {table.shape}.")
    _check_shapes(events, weight, table.shape[0], "n_pre", table.shape, "the table's shape")
    return _call("dynax_event_fan_out", events, (table,), weight, init)


def _ring_args(delays, head, init, conn_shape: tuple, ring_length: int):
    """Check the ring's arrays at trace time; the attributes of the ring kernels."""
    delays, head = jnp.asarray(delays), jnp.asarray(head)
    if delays.shape != conn_shape or not jnp.issubdtype(delays.dtype, jnp.integer):
        raise ValueError(
            f"delays must be integers of shape {conn_shape} (one per connection), got "
            f"{delays.dtype}{list(delays.shape)}."
        )
    if head.shape != () or not jnp.issubdtype(head.dtype, jnp.integer):
        raise ValueError(f"head must be an integer scalar, got {head.dtype}{list(head.shape)}.")
    if ring_length < 1:
        raise ValueError(f"ring_length must be positive, got {ring_length}.")
    size = init.shape[-1] if init.ndim else 0
    if init.ndim < 1 or size % ring_length:
        raise ValueError(
            f"init has {size} entries in its last dimension, not a whole number of "
            f"{ring_length} ring slots."
        )
    return (delays, head), (("ring_length", np.int64(ring_length)),)


def csr_ring(
    events: Array,
    indptr: Array,
    indices: Array,
    weight: Array,
    delays: Array,
    head: Array,
    init: Array,
    ring_length: int,
) -> Array:
    """`csr` into a ring of `ring_length` future steps of `n` neurons, `init`
    `(..., ring_length * n)`: connection `c` from row `i` to `j` adds `events[i] *
    weight[c]` into entry `((head + delays[c]) mod ring_length) * n + j`, in place.
    `delays`: int `(nnz,)`; `head`: an int scalar (traced). The slots are reduced modulo
    `ring_length` whatever the delays, so no value reads or writes outside the arrays."""
    if indptr.ndim != 1 or indices.ndim != 1:
        raise ValueError(f"indptr and indices must be 1-d, got {indptr.shape}, {indices.shape}.")
    n_pre = indptr.shape[0] - 1
    _check_shapes(events, weight, n_pre, "len(indptr) - 1", indices.shape, "one per connection")
    ints, attrs = _ring_args(delays, head, init, indices.shape, ring_length)
    return _call("dynax_event_csr_ring", events, (indptr, indices), weight, init, ints, attrs)


def fan_out_ring(
    events: Array,
    table: Array,
    weight: Array,
    delays: Array,
    head: Array,
    init: Array,
    ring_length: int,
) -> Array:
    """`fan_out` into a ring of future steps, as `csr_ring`; `delays`: int `(n_pre, k)`,
    like the table."""
    if table.ndim != 2:
        raise ValueError(f"the table must be 2-d (n_pre, k), got shape {table.shape}.")
    _check_shapes(events, weight, table.shape[0], "n_pre", table.shape, "the table's shape")
    ints, attrs = _ring_args(delays, head, init, table.shape, ring_length)
    return _call("dynax_event_fan_out_ring", events, (table,), weight, init, ints, attrs)


_DISTS = ("homo", "uniform", "normal")


def jit_prob(
    events: Array,
    seed: Array,
    a: Array,
    b: Array,
    table: ArrayLike,
    init: Array,
    *,
    n_post: int,
    k: int,
    cap: int,
    scale: float,
    dist: str,
    lo: ArrayLike = 0,
    m: int | None = None,
    tile: int | None = None,
) -> Array:
    """`init + events @ W` for events `(..., n_pre)` over the just-in-time connectivity
    of `dynax/ops/_jitconn.py` (weights `a + b r`; `table`: `_jitconn._log_table()`;
    `k`, `tile`, `cap`, `scale`: as its `_meta`; `tile` None: no tiles), added into
    `init` in place. Each active row is regenerated from `(seed, row)` exactly as the XLA
    path does: the same columns. With `lo` and `m`, only the columns `[lo, lo + m)`
    (`init` `(..., m)`, column `lo` first): a device's block of a sharded network
    (`dx.connect.JitBlock`), for which only the tiles that overlap it are drawn."""
    if dist not in _DISTS:
        raise ValueError(f"dist must be one of {_DISTS}, got {dist!r}.")
    m = n_post if m is None else m
    if events.ndim < 1 or init.ndim < 1 or init.shape[-1] != m:
        raise ValueError(f"events {events.shape} and init {init.shape}: expected (..., {m}).")
    scalars = [
        jnp.expand_dims(jnp.asarray(x, d), -1)
        for x, d in ((seed, jnp.int32), (a, jnp.float32), (b, jnp.float32))
    ]
    attrs = (
        ("n_post", np.int64(n_post)),
        ("k", np.int64(k)),
        ("cap", np.int64(cap)),
        ("scale", np.float32(scale)),
        ("dist", np.int64(_DISTS.index(dist))),
        ("m", np.int64(m)),
        ("tile", np.int64(n_post if tile is None else tile)),
    )
    call = _batched("dynax_event_jit", (1,) * 7, attrs)
    table = jnp.asarray(table, jnp.int32)
    first = jnp.expand_dims(jnp.asarray(lo, jnp.int32), -1)
    return call(events, *scalars, table, first, init.astype(jnp.float32))


SOFT_BOUNDS = ("none", "lower", "upper")
"""The factors $s(w)$ of `plastic_trace`: $1$, $w - w_{min}$, $w_{max} - w$."""


def plastic_trace(
    pre: Array,
    post: Array,
    index: tuple[Array, Array, Array, Array, Array],
    at_pre: tuple[Array, Array, Array],
    at_post: tuple[Array, Array, Array],
    bounds: tuple[ArrayLike, ArrayLike],
    w: Array,
    inbox: Array,
    *,
    soft_pre: str,
    soft_post: str,
) -> tuple[Array, Array]:
    r"""One step of an event-driven trace rule, in float32, in place: the weights `w`
    `(..., nnz)` and `inbox` `(..., n_post)` after

    1. for each presynaptic spike (`pre` `(..., n_pre)`, nonzero entries), each synapse
       `s` of its CSR row to `j` adds `pre[i] * w[s]` into `inbox[j]`, then takes
       $w \leftarrow \mathrm{clip}(w + c_i\, y_j\, s(w) + d_i, w_{min}, w_{max})$ with
       `at_pre = (c, d, y)` (`c`, `d` `(..., n_pre)` or `(..., 1)`, shared by all,
       `y` `(..., n_post)`);
    2. for each postsynaptic spike (`post` `(..., n_post)`), each synapse of its column
       takes the same update with `at_post = (c, d, x)` (`c`, `d` `(..., n_post)` or
       `(..., 1)`, `x` `(..., n_pre)`), on the weights after step 1.

    `index`: `(indptr, indices, col_ptr, col_pre, col_pos)` of a
    `dx.plasticity.SynapseIndex`; `bounds`: `(w_min, w_max)`; `soft_pre`, `soft_post`:
    the factors $s(w)$ of the two updates, one of `SOFT_BOUNDS`. Row and column spans are
    capped at `nnz` and out-of-range targets, sources and positions are skipped, so no
    value makes the kernel read or write outside its arrays."""
    for name, kind in (("soft_pre", soft_pre), ("soft_post", soft_post)):
        if kind not in SOFT_BOUNDS:
            raise ValueError(f"{name} must be one of {SOFT_BOUNDS}, got {kind!r}.")
    spikes = [s if s.dtype == jnp.bool_ else s.astype(jnp.float32) for s in (pre, post)]
    ints = [jnp.asarray(a).astype(jnp.int32) for a in index]
    floats = [jnp.asarray(a, jnp.float32) for a in (*at_pre, *at_post)]
    lo, hi = (jnp.asarray(b, jnp.float32) for b in bounds)
    limits = jnp.stack(jnp.broadcast_arrays(lo, hi), -1)
    attrs = (
        ("bound_pre", np.int64(SOFT_BOUNDS.index(soft_pre))),
        ("bound_post", np.int64(SOFT_BOUNDS.index(soft_post))),
    )
    call = _batched("dynax_plastic_trace", (1,) * 16, attrs, n_out=2)
    return call(*spikes, *ints, *floats, limits, w.astype(jnp.float32), inbox.astype(jnp.float32))

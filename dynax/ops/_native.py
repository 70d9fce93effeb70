"""Compiled CPU kernels for event-driven propagation, called through XLA's FFI.

XLA's CPU runtime runs a step of the bucketed path (`_compact.py`) as some twenty
separate kernels per projection (packing, a binary search, gathers, a scatter), each
costing a fraction of a microsecond to dispatch, and its elementwise gathers of the
active rows' targets were the largest single cost at 40 000 neurons. `native/event.cc`
does the same work in one loop: it scans the event vector (eight bytes at a time for
spikes) and adds each active row's connections to the output.

The kernels are compiled on first use with the machine's C++ compiler (`$CXX`, else
`c++`/`g++`) against the FFI headers shipped with jaxlib, and cached under
`$DYNAX_CACHE_DIR` (default `~/.cache/dynax`), keyed by the source, the compiler
command, the jaxlib version and the host's CPU. Without a compiler, `kernel="auto"` keeps the XLA
path; `kernel="native"` then raises with the compiler's message.
"""

import functools
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

import jax
import jax.numpy as jnp
import jaxlib

from .._custom_types import Array

_SOURCE = Path(__file__).parent / "native" / "event.cc"
_TARGETS = {"dynax_event_csr": "DynaxEventCsr", "dynax_event_fan_out": "DynaxEventFanOut"}


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


@functools.cache
def _library() -> tuple[object | None, str]:
    """The loaded, registered library, or None and why not."""
    import ctypes

    cxx = _compiler()
    if cxx is None:
        return None, "no C++ compiler found (set CXX)"
    flags = ["-O3", "-march=native", "-std=c++17", "-shared", "-fPIC", "-w"]
    source = _SOURCE.read_bytes()
    # -march=native: the key names the host's CPU too, for caches shared between machines.
    parts = [source, " ".join([cxx, *flags]), jaxlib.__version__, _host()]
    key = hashlib.sha256(b"\0".join(p if isinstance(p, bytes) else p.encode() for p in parts))
    key = key.hexdigest()[:16]
    cache = Path(os.environ.get("DYNAX_CACHE_DIR") or Path.home() / ".cache" / "dynax")
    path = cache / f"event-{key}.so"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        # Compiled to a temporary name and renamed: concurrent processes never load a
        # half-written library.
        fd, tmp = tempfile.mkstemp(suffix=".so", dir=cache)
        os.close(fd)
        command = [cxx, *flags, f"-I{jax.ffi.include_dir()}", str(_SOURCE), "-o", tmp]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            os.unlink(tmp)
            return None, f"{' '.join(command)} failed:\n{done.stderr[-2000:]}"
        os.replace(tmp, path)
    try:
        library = ctypes.CDLL(str(path))
    except OSError as e:
        return None, f"loading {path} failed: {e}"
    for name, symbol in _TARGETS.items():
        capsule = jax.ffi.pycapsule(getattr(library, symbol))
        jax.ffi.register_ffi_target(name, capsule, platform="cpu")
    return library, ""


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


def _call(target: str, n_post: int, events: Array, *args: Array) -> Array:
    out = jax.ShapeDtypeStruct((n_post, events.shape[1]), jnp.float32)
    return jax.ffi.ffi_call(target, out, vmap_method="sequential")(events, *args)


def csr(events: Array, indptr: Array, indices: Array, weight: Array | None, n_post: int):
    """$e W$ for events `(n_pre, batch)` over CSR rows; unit weights when `weight` is None."""
    weight = jnp.zeros((0,), jnp.float32) if weight is None else weight
    return _call("dynax_event_csr", n_post, events, indptr, indices, weight)


def fan_out(events: Array, table: Array, weight: Array | None, n_post: int):
    """$e W$ for events `(n_pre, batch)` over a `(n_pre, k)` table of targets (`n_post`
    pads); unit weights when `weight` is None, else an `(n_pre, k)` table."""
    weight = jnp.zeros((0,), jnp.float32) if weight is None else weight.reshape(-1)
    return _call("dynax_event_fan_out", n_post, events, table, weight)

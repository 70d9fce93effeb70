"""Checkpoints: save a pytree (a state, a model, or both) to a file and load it back.

The file format (version 1; integers little-endian):

| bytes         | content                                                                  |
|---------------|--------------------------------------------------------------------------|
| 8             | magic `b"\\x89DNX\\r\\n\\x1a\\n"`                                        |
| 4             | format version, `uint32`                                                 |
| 8             | header length `H`, `uint64`                                              |
| 4             | CRC32 of the header, `uint32`                                            |
| `H`           | header: UTF-8 JSON with the structure hash, the treedef, one entry per   |
|               | leaf (dotted path, kind, dtype, shape) and the payload length `P`        |
| `P`           | payload: each stored leaf's bytes in leaf order, C order, little-endian |
| 32            | SHA-256 of the payload                                                   |

The structure hash is the SHA-256 of the treedef's text (memory addresses removed) and
each leaf's dtype and shape, so it is the same in every process. Writes go to a temporary
file in the same folder that replaces the target only once complete and synced.

Sharded arrays are stored whole, in the layout of the global array, so the file does not
depend on the device count: `load` lays each leaf out with the sharding of its `like`
leaf. In a run of several processes (`jax.distributed`), an array that spans processes is
gathered leaf by leaf and process 0 alone writes the file; every process reads it and keeps
its own shards.
"""

import hashlib
import json
import os
import re
import stat
import struct
import sys
import zlib
from typing import Any

import jax
import jax.numpy as jnp
import jax.tree_util as jtu
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import NamedSharding, Sharding

from ._system import _key_name
from .connect import validate

MAGIC = b"\x89DNX\r\n\x1a\n"
VERSION = 1
_PREFIX = struct.Struct("<8sIQI")  # magic, version, header length, header CRC32
_DIGEST = 32  # SHA-256 of the payload, at the end of the file
_NUMPY_MAGIC = b"\x93NUMPY"  # equinox's tree_serialise_leaves: np.save per leaf
_PY_SCALARS = {
    bool: ("bool", "bool"),
    int: ("int", "int64"),
    float: ("float", "float64"),
    complex: ("complex", "complex128"),
}
_PY_TYPES = {kind: typ for typ, (kind, _) in _PY_SCALARS.items()}


def _is_key(x: Any) -> bool:
    return isinstance(x, jax.Array | jax.ShapeDtypeStruct) and jnp.issubdtype(
        x.dtype, jax.dtypes.prng_key
    )


def _describe(path: str, x: Any) -> dict:
    """The header entry of one leaf: its kind, dtype and shape (and key implementation)."""
    if type(x) in _PY_SCALARS:
        kind, dtype = _PY_SCALARS[type(x)]
        if kind == "int" and not -(2**63) <= x < 2**63:
            raise TypeError(f"leaf {_show(path)} = {x} does not fit in int64")
        return {"path": path, "kind": kind, "dtype": dtype, "shape": []}
    if _is_key(x):
        impl = jax.random.key_impl(x) if isinstance(x, jax.Array) else None
        words = jax.eval_shape(jax.random.key_data, x).shape[-1]
        shape = list(x.shape)
        return {
            "path": path,
            "kind": "key",
            "dtype": str(x.dtype),
            "impl": str(impl),
            "shape": shape,
            "data_shape": [*shape, words],
        }
    if isinstance(x, jax.Array | np.ndarray | np.generic | jax.ShapeDtypeStruct):
        array_dtype = jnp.dtype(x.dtype)
        if not jnp.issubdtype(array_dtype, jnp.number) and array_dtype != np.bool_:  # object, ...
            raise TypeError(
                f"leaf {_show(path)} is an array of dtype {array_dtype}, which is not stored"
            )
        kind = "jax" if isinstance(x, jax.Array | jax.ShapeDtypeStruct) else "numpy"
        if isinstance(x, np.generic):
            kind = "numpy-scalar"
        return {"path": path, "kind": kind, "dtype": array_dtype.name, "shape": list(x.shape)}
    if callable(x):  # a function held by a model: code is not stored, it comes from `like`
        return {"path": path, "kind": "static", "dtype": "static", "shape": None}
    raise TypeError(
        f"leaf {_show(path)} is a {type(x).__name__}, which cannot be stored: checkpoints hold "
        "arrays (jax, numpy, PRNG keys), Python bool/int/float/complex, and functions (taken "
        "from `like` on load); mark other fields `eqx.field(static=True)` or leave them out"
    )


def _show(path: str) -> str:
    return repr(path) if path else "<root>"


def _flatten(tree: Any) -> tuple[list[Any], Any, list[dict], str]:
    flat, treedef = jtu.tree_flatten_with_path(tree)
    paths = [".".join(_key_name(k) for k in p) for p, _ in flat]
    leaves = [x for _, x in flat]
    entries = [_describe(p, x) for p, x in zip(paths, leaves)]
    # Reprs of functions and objects in static fields carry addresses that change per process.
    text = re.sub(r" at 0x[0-9a-fA-F]+", "", str(treedef))
    return leaves, treedef, entries, text


def _structure_hash(text: str, entries: list[dict]) -> str:
    spec = [text, [[e["dtype"], e["shape"]] for e in entries]]
    return hashlib.sha256(json.dumps(spec).encode()).hexdigest()


def _nbytes(entry: dict) -> int:
    if entry["kind"] == "static":
        return 0
    if entry["kind"] == "key":
        return 4 * int(np.prod(entry["data_shape"]))
    return jnp.dtype(entry["dtype"]).itemsize * int(np.prod(entry["shape"]))


def _spans_processes(x: Any) -> bool:
    """Whether `x` is a global array with shards in other processes (`jax.distributed`)."""
    return (
        isinstance(x, jax.Array)
        and not isinstance(x, jax.core.Tracer)
        and not x.is_fully_addressable
    )


def _leaf_bytes(path: str, x: Any, entry: dict) -> np.ndarray:
    """The bytes of one leaf (a flat little-endian `uint8` array; a view where possible).

    A global array with shards in other processes is gathered; every process must then
    ask for the same leaf (a collective)."""
    if entry["kind"] == "key":
        x = jax.random.key_data(x)
    if _spans_processes(x):
        x = multihost_utils.process_allgather(x, tiled=True)
    try:
        arr = np.asarray(x, dtype=jnp.dtype(entry["dtype"]) if type(x) in _PY_SCALARS else None)
    except (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError) as e:
        raise TypeError(f"leaf {_show(path)} is traced: call `save` outside `jit`/`vmap`") from e
    arr = np.ascontiguousarray(arr)
    if arr.dtype.byteorder == ">" or (arr.dtype.byteorder == "=" and sys.byteorder == "big"):
        arr = arr.byteswap()  # the file is little-endian
    return arr.reshape(-1).view(np.uint8)


def save(path: str | os.PathLike, tree: Any) -> None:
    """Write `tree` (a state, a model, a dict of both and some numbers, ...) to `path`.

    The path is used exactly as given: no suffix is added. The file is written in full to a
    temporary file in the same folder (`.NAME.XXXXXXXX.tmp`), synced to disk, and only then
    renamed over `path`, so a save that fails or is killed leaves any earlier file at
    `path` as it was (a process killed outright may leave its temporary file behind).

    Stored leaves: jax and numpy arrays (any numeric dtype), typed PRNG keys
    (`jax.random.key`, with their implementation), and Python `bool`/`int`/`float`/`complex`
    (`int` as int64). Functions among the leaves are not stored; `load` takes them, with
    the structure and static fields, from its `like`. Any other leaf raises a `TypeError`
    naming its path, before anything is written.

    To resume a run, save the state with the whole number of steps it reached, e.g.
    `save(path, {"state": state, "step": 3000})`, and pass `t0=step * dt` to `simulate`.

    **Sharded arrays** (a `jax.Array` with a `NamedSharding`, e.g. the state of a network
    split along its neuron axis) are written whole, as the global array, so the file can
    be loaded onto any number of devices (see [`dx.load`][dynax.load]). In a run of several
    processes (`jax.distributed.initialize`), a tree holding arrays that span processes is
    saved collectively: every process calls `save` with the same tree and path, each such
    array is gathered one leaf at a time (so a host holds one whole leaf at a time, not the
    whole tree), process 0 alone writes `path`, and every process returns once the file is
    complete. Calling `save` from process 0 only would wait for the others forever.
    """
    name = os.fspath(path)
    try:
        leaves, _, entries, text = _flatten(tree)
        for entry, x in zip(entries, leaves):
            if isinstance(x, jax.ShapeDtypeStruct):
                raise TypeError(f"leaf {_show(entry['path'])} is a shape-only ShapeDtypeStruct")
    except TypeError as e:
        raise TypeError(f"cannot save {name!r}: {e}") from None
    if not any(map(_spans_processes, leaves)):
        _write(name, entries, text, _payload(name, leaves, entries))
        return
    # Arrays that span processes: every process takes part in the gathers, leaf by leaf in
    # the same order, even where process 0 fails to write (the others would wait forever).
    payload = _payload(name, leaves, entries, gather_only=jax.process_index() != 0)
    error = None
    try:
        if jax.process_index() == 0:
            _write(name, entries, text, payload)
    except Exception as e:
        error = e
    for _ in payload:
        pass
    written = multihost_utils.broadcast_one_to_all(np.int32(error is None))
    if error is not None:
        raise error
    if not written:
        raise OSError(f"cannot save {name!r}: process 0 failed to write it (see its error)")


def _payload(name: str, leaves: list[Any], entries: list[dict], gather_only: bool = False):
    """The bytes of each stored leaf in turn, one leaf in host memory at a time; with
    `gather_only`, just the gathers of the arrays that span processes."""
    for entry, x in zip(entries, leaves):
        if entry["kind"] == "static":
            continue
        if gather_only:
            if _spans_processes(jax.random.key_data(x) if entry["kind"] == "key" else x):
                _leaf_bytes(entry["path"], x, entry)
            continue
        try:
            # `.data` (its memoryview): NumPy's stubs give arrays the buffer protocol only
            # from Python 3.12 on.
            yield _leaf_bytes(entry["path"], x, entry).data
        except TypeError as e:
            raise TypeError(f"cannot save {name!r}: {e}") from None


def _write(name: str, entries: list[dict], text: str, payload) -> None:
    header = {
        "structure": _structure_hash(text, entries),
        "treedef": text,
        "leaves": entries,
        "payload_bytes": sum(map(_nbytes, entries)),
        "checksum": "sha256",
    }
    head = json.dumps(header).encode()
    prefix = _PREFIX.pack(MAGIC, VERSION, len(head), zlib.crc32(head))

    target = os.path.realpath(name)
    folder, base = os.path.split(target)
    while True:
        tmp = os.path.join(folder, f".{base}.{os.urandom(4).hex()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0))
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(prefix + head)
            digest = hashlib.sha256()
            for data in payload:
                digest.update(data)
                f.write(data)
            f.write(digest.digest())
            f.flush()
            os.fsync(f.fileno())
        try:  # keep the permissions of the file being replaced
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        except FileNotFoundError:
            pass
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _sync_folder(folder)


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _spec(entry: dict) -> str:
    if entry["kind"] in _PY_TYPES:
        return f"a Python {entry['kind']}"
    if entry["kind"] == "static":
        return "a function (not stored)"
    return f"{entry['dtype']}{list(entry['shape'])}"


def _agree(saved: dict, wanted: dict) -> bool:
    """Whether a leaf saved as `saved` may be loaded where `like` has `wanted`."""
    if saved["dtype"] == wanted["dtype"] and saved["shape"] == wanted["shape"]:
        return True
    # A Python number has no fixed precision: it matches a 0-d array of its kind.
    for a, b in ((saved, wanted), (wanted, saved)):
        if a["kind"] in _PY_TYPES and b["kind"] not in (*_PY_TYPES, "key", "static"):
            family = {"bool": np.bool_, "int": jnp.integer, "float": jnp.floating}
            family["complex"] = jnp.complexfloating
            return b["shape"] == [] and jnp.issubdtype(b["dtype"], family[a["kind"]])
    return False


def _window(a: str, b: str) -> tuple[str, str]:
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    lo = max(0, i - 60)
    return ("..." * (lo > 0) + a[lo : i + 60], "..." * (lo > 0) + b[lo : i + 60])


def _mismatch(saved: list[dict], saved_text: str, wanted: list[dict], text: str) -> str | None:
    """What differs between the saved structure and `like`'s, or None if they agree."""
    for i, (s, w) in enumerate(zip(saved, wanted)):
        if s["path"] != w["path"]:
            return (
                f"the structures differ at leaf {i}: {_show(s['path'])} in the file, "
                f"{_show(w['path'])} in `like`"
            )
    if len(saved) > len(wanted):
        return (
            f"the file has {len(saved)} leaves, `like` only {len(wanted)}: leaf "
            f"{_show(saved[len(wanted)]['path'])} is not in `like`"
        )
    if len(wanted) > len(saved):
        return (
            f"`like` has {len(wanted)} leaves, the file only {len(saved)}: leaf "
            f"{_show(wanted[len(saved)]['path'])} is not in the file"
        )
    for s, w in zip(saved, wanted):
        if not _agree(s, w):
            hint = ""
            if {s["dtype"], w["dtype"]} == {"float64", "float32"}:
                hint = " (was `jax_enable_x64` on when saving and off now, or the other way?)"
            return (
                f"leaf {_show(s['path'])} is {_spec(s)} in the file but {_spec(w)} in `like`{hint}"
            )
    if saved_text != text:
        a, b = _window(saved_text, text)
        return (
            "the structures differ outside the array leaves (container types or static "
            f"fields):\n  file: {a}\n  like: {b}"
        )
    return None


def _read_header(f, name: str, size: int) -> dict:
    def fail(what: str) -> ValueError:
        return ValueError(f"cannot load {name!r}: {what}")

    prefix = f.read(_PREFIX.size)
    if not prefix:
        raise fail("the file is empty (0 bytes); it is not a complete dynax checkpoint")
    if prefix.startswith(_NUMPY_MAGIC):
        raise fail(
            "not a dynax checkpoint: it looks like equinox's format, which dynax used before "
            "format version 1; read it with `eqx.tree_deserialise_leaves(path, like)` and "
            "save it again with `dx.save`"
        )
    if not prefix.startswith(MAGIC[: len(prefix)]):
        raise fail("not a dynax checkpoint (wrong magic bytes; or written by an older version)")
    if len(prefix) < _PREFIX.size:
        raise fail(f"the file is truncated ({size} bytes, shorter than the fixed header)")
    _, version, length, crc = _PREFIX.unpack(prefix)
    if version != VERSION:
        raise fail(
            f"format version {version}, but this dynax reads version {VERSION} (written by a "
            "newer dynax, or corrupted)"
        )
    if _PREFIX.size + length + _DIGEST > size:
        raise fail(
            f"the file is truncated ({size} bytes; its header alone needs "
            f"{_PREFIX.size + length + _DIGEST})"
        )
    head = f.read(length)
    if zlib.crc32(head) != crc:
        raise fail("the header is corrupted (CRC32 mismatch)")
    header = json.loads(head)
    expected = _PREFIX.size + length + header["payload_bytes"] + _DIGEST
    if size < expected:
        raise fail(f"the file is truncated: {size} bytes, the header says {expected}")
    if size > expected:
        raise fail(
            f"{size - expected} unexpected trailing bytes after the end of the checkpoint "
            f"({size} bytes, the header says {expected})"
        )
    return header


def _sharding_of(like: Any) -> Sharding | None:
    """The sharding a loaded jax array takes: that of its `like` leaf, if it has one."""
    if isinstance(like, jax.Array | jax.ShapeDtypeStruct):
        return like.sharding
    return None


def _read_leaf(f, entry: dict, digest, like: Any = None) -> Any:
    shape = entry["data_shape"] if entry["kind"] == "key" else entry["shape"]
    dtype = np.dtype(np.uint32) if entry["kind"] == "key" else jnp.dtype(entry["dtype"])
    arr = np.empty(shape, dtype)
    buf = arr.reshape(-1).view(np.uint8)
    if f.readinto(buf) != buf.size:
        raise EOFError
    digest.update(buf)
    if sys.byteorder == "big":
        arr.byteswap(inplace=True)
    kind = entry["kind"]
    if kind in _PY_TYPES:
        return _PY_TYPES[kind](arr.item())
    if kind == "numpy":
        return arr
    if kind == "numpy-scalar":
        return arr[()]
    if jax.dtypes.canonicalize_dtype(dtype) != dtype:
        raise ValueError(
            f"leaf {_show(entry['path'])} is {dtype.name}; turn on 64-bit types "
            "(`jax.config.update('jax_enable_x64', True)`) to load it as a jax array"
        )
    # From host memory onto the devices: a sharding spanning processes takes each process's
    # own shards of `arr` (read whole, the same in every process).
    sharding = _sharding_of(like)
    if kind == "key":
        if isinstance(sharding, NamedSharding):  # the key data's extra last axis unsharded
            return jax.random.wrap_key_data(jax.device_put(arr, sharding), impl=entry["impl"])
        key = jax.random.wrap_key_data(jax.device_put(arr), impl=entry["impl"])
        return key if sharding is None else jax.device_put(key, sharding)
    return jax.device_put(arr, sharding)


def load(path: str | os.PathLike, like: Any) -> Any:
    """Read a tree written by [`dx.save`][dynax.save].

    `like` gives the structure: a tree built the same way as the one saved (e.g.
    `model.init(key)` for a state, the model built with the same sizes for a model), or
    `eqx.filter_eval_shape` of either. Its values are not read, but its structure, leaf
    shapes and dtypes must be those saved; static fields and functions come from it. A
    Python number in `like` matches a saved 0-d array of its kind (and the other way round).

    Leaves come back as they were saved: jax arrays of the saved dtype, numpy arrays,
    typed PRNG keys of the saved implementation, Python numbers. A jax array (or key) takes
    the sharding of its `like` leaf — a `jax.Array`, or a `jax.ShapeDtypeStruct` given a
    `sharding` — and goes to the default device where that has none. Since the file holds
    the global arrays, this reshards: a state saved from 4 devices loads onto 2, or 1, when
    `like` is a state laid out on those (e.g. `sharded_model.init(key)`, whose arrays are
    allocated only to be replaced; `eqx.filter_eval_shape` drops the sharding). In a run of
    several processes, every process reads the whole file (it must be visible to each,
    e.g. on a shared file system) and keeps only its own shards.

    The path is used exactly as given (no suffix is added). Raises `ValueError`, naming the
    file and what is wrong, for a file that is truncated, corrupted (checksums), has
    trailing bytes, is not a dynax checkpoint (including files written by dynax before
    format version 1, in equinox's format) or of another format version, or does not fit
    `like` (the first differing leaf, by dotted path, with its saved and expected dtype and
    shape), and for connectivity whose arrays are out of range (`dx.connect.validate`).
    """
    name = os.fspath(path)
    if like is None:
        raise TypeError(
            f"load({name!r}, like=None): pass a template with the structure saved, e.g. "
            "`model.init(key)`, the model built the same way, or `eqx.filter_eval_shape` of "
            "either"
        )
    like_leaves, treedef, wanted, text = _flatten(like)
    with open(name, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        header = _read_header(f, name, size)
        saved = header["leaves"]
        if header["structure"] != _structure_hash(text, wanted):
            problem = _mismatch(saved, header["treedef"], wanted, text)
            if problem is not None:
                raise ValueError(f"cannot load {name!r} into `like`: {problem}")
        digest = hashlib.sha256()
        leaves = []
        try:
            for entry, x in zip(saved, like_leaves):
                leaves.append(x if entry["kind"] == "static" else _read_leaf(f, entry, digest, x))
            stored = f.read(_DIGEST)
        except EOFError:  # the file shrank while being read
            raise ValueError(f"cannot load {name!r}: the file is truncated") from None
        except ValueError as e:
            raise ValueError(f"cannot load {name!r}: {e}") from None
    if stored != digest.digest():
        raise ValueError(
            f"cannot load {name!r}: the data is corrupted (SHA-256 checksum mismatch); the "
            "file was damaged after it was written"
        )
    # Connectivity in a model is checked as it enters: a file written from a model edited
    # with eqx.tree_at may hold row pointers or indices out of range.
    return validate(jtu.tree_unflatten(treedef, leaves), name=f"the tree loaded from {name!r}")

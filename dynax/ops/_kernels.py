"""Which implementation an event operator's `kernel=` argument selects."""

import jax

from . import _native

KERNELS = ("auto", "xla", "pallas", "native")
PALLAS = ("pallas", "interpret")


def kernel_mode(kernel: str, native: bool = True) -> str:
    """What a `kernel=` choice runs here: `"xla"`; `"native"`, the compiled CPU kernels
    of `_native.py` (where the operator has one: `native`); `"pallas"` on a GPU, or
    `"interpret"`, Pallas's interpreter off a GPU (slow: for tests). `"auto"` is
    `"pallas"` on a GPU, `"native"` on a CPU where they compile, `"xla"` otherwise."""
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {KERNELS}, got {kernel!r}.")
    backend = jax.default_backend()
    if kernel == "pallas":
        return "pallas" if backend == "gpu" else "interpret"
    if kernel == "native":
        if not native:
            raise ValueError('kernel="native" is for CSR and fixed fan-out connectivity.')
        if backend != "cpu":
            raise ValueError(f'kernel="native" runs on a CPU, not on {backend!r}.')
        _native.require()
        return "native"
    if kernel == "auto" and backend == "gpu":
        return "pallas"
    if kernel == "auto" and backend == "cpu" and native and _native.available():
        return "native"
    return "xla"

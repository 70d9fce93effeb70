"""Which implementation propagates spikes: kernels as objects, resolved once.

`kernel=` (of a projection, a network builder or an operator) takes one of these objects
or its shorthand string. `resolve` turns the choice into a concrete kernel once, where
the device and the connectivity format are known (a `dx.Projection` resolves its own
when its step is traced); the operators below it receive the concrete kernel and never
look at the device again.
"""

import abc
from typing import ClassVar

import equinox as eqx
import jax

from . import _native


class AbstractKernel(eqx.Module):
    """How an event operator runs: `XLA()`, `Native()` (compiled CPU kernels), `Pallas()`
    (GPU kernels), or `Auto()` (the best of these for the device and the format).
    Instances hold no arrays and compare by value, so they can be static."""

    name: ClassVar[str] = ""

    @abc.abstractmethod
    def here(self, backend: str, native: str | None) -> "XLA | Native | Pallas":
        """The concrete kernel this choice runs on `backend` (`jax.default_backend()`),
        for a format whose lack of compiled CPU kernels `native` names (None: it has
        them); a `ValueError` where it cannot run."""


class XLA(AbstractKernel):
    """Plain JAX operations: runs everywhere, differentiable, vmappable. The event
    operators compact the active rows into buckets (see `dx.ops.event_csr_matvec`)."""

    name: ClassVar[str] = "xla"

    def here(self, backend, native):
        return self


class Native(AbstractKernel):
    """Compiled C++ kernels called through XLA's FFI, on a CPU (built on first use, see
    `dynax/ops/_native.py`); an error where no C++ compiler is found."""

    name: ClassVar[str] = "native"

    def here(self, backend, native):
        if native is not None:
            raise ValueError(
                f"kernel Native(): {native or 'this connectivity'} has no compiled CPU "
                "kernels (dx.connect.CSR, FanOut, JitProb and Dense have)."
            )
        if backend != "cpu":
            raise ValueError(f"kernel Native() runs on a CPU, not on {backend!r}.")
        _native.require()
        return self


class Pallas(AbstractKernel):
    """Pallas kernels (Triton) on a GPU. Off a GPU, `interpret=True` runs them in Pallas's
    interpreter (slowly: for tests); `dx.ops.resolve` sets it there."""

    name: ClassVar[str] = "pallas"
    interpret: bool = eqx.field(static=True, default=False)

    def here(self, backend, native):
        return self if self.interpret or backend == "gpu" else Pallas(interpret=True)


class Auto(AbstractKernel):
    """`Pallas()` on a GPU, `Native()` on a CPU where the compiled kernels build and the
    format has them, `XLA()` otherwise."""

    name: ClassVar[str] = "auto"

    def here(self, backend, native):
        if backend == "gpu":
            return Pallas()
        if backend == "cpu" and native is None and _native.available():
            return Native()
        return XLA()


_SHORTHANDS = {"auto": Auto, "xla": XLA, "native": Native, "pallas": Pallas}
KERNELS = tuple(_SHORTHANDS)
Concrete = XLA | Native | Pallas


def resolve(kernel: "str | AbstractKernel", native: str | None = "") -> Concrete:
    """The concrete kernel that `kernel` (an object or one of `KERNELS`) runs here:
    `XLA()`, `Native()`, or `Pallas(interpret=...)` (interpreted off a GPU). `native`:
    the name of a format without compiled CPU kernels (None: it has them)."""
    if isinstance(kernel, str):
        if kernel not in _SHORTHANDS:
            raise ValueError(f"kernel must be one of {KERNELS} or a kernel object, got {kernel!r}.")
        kernel = _SHORTHANDS[kernel]()
    if not isinstance(kernel, AbstractKernel):
        raise TypeError(
            f"kernel must be one of {KERNELS} or a dx.ops.AbstractKernel, got "
            f"{type(kernel).__name__}."
        )
    return kernel.here(jax.default_backend(), native)


PALLAS = ("pallas", "interpret")


def mode(kernel: Concrete) -> str:
    """A concrete kernel as the operators' static mode string: `"xla"`, `"native"`,
    `"pallas"`, or `"interpret"` (Pallas's interpreter)."""
    if isinstance(kernel, Pallas):
        return "interpret" if kernel.interpret else "pallas"
    return kernel.name


def kernel_mode(kernel: "str | AbstractKernel") -> str:
    """`mode(resolve(kernel))` for an operator with compiled CPU kernels."""
    return mode(resolve(kernel, None))

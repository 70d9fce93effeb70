"""Loops as CUDA graphs: the XLA options that compile a whole time loop into one GPU
command buffer, and a jit that applies them where it is the outermost one.

A simulation or a training step of a small network launches a few kernels per time step,
each of a few microseconds of work; on a GPU the host then spends more time launching
them than the device spends running them. XLA can record a compiled program's kernels
into command buffers (CUDA graphs) and launch a whole buffer at once; by default it does
so for straight runs of kernels but not for loops. With `WHILE` and `CONDITIONAL` among
the command types, a `lax.scan` becomes one graph whose loop runs on the device. Off by
default: no GPU measurement of it for training has been made yet
(`benchmarks/train_throughput.py --device gpu --libraries dynax,dynax-graphs-on,...`
measures it; for COBA's simulation loop it gave no gain, `benchmarks/README.md`).
"""

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

# XLA's default command types (jaxlib 0.10-0.12) and the two that take loops in.
_COMMANDS = ("FUSION", "CUBLAS", "CUBLASLT", "CUSTOM_CALL", "CUDNN", "DYNAMIC_SLICE_FUSION")
GPU_GRAPH_OPTIONS = {
    "xla_gpu_enable_command_buffer": ",".join((*_COMMANDS, "WHILE", "CONDITIONAL"))
}


def graph_options(graphs: bool, backend: str | None = None) -> dict[str, Any]:
    """The compiler options for `graphs` on `backend` (`jax.default_backend()` if None):
    on a GPU with `graphs=True`, XLA's command buffers extended to loops and
    conditionals; otherwise none (`{}`: other backends have no command buffers)."""
    if not isinstance(graphs, bool):
        raise TypeError(f"graphs must be True or False, got graphs={graphs!r}.")
    if not graphs:
        return {}
    backend = jax.default_backend() if backend is None else backend
    return dict(GPU_GRAPH_OPTIONS) if backend == "gpu" else {}


def _traced(args: Any) -> bool:
    # JAX refuses compiler options on a jit that is not the outermost computation: one
    # called inside another jit (where every new array is a tracer, and the outer jit's
    # options apply anyway) or on tracers (under grad, vmap or scan).
    leaves = jax.tree_util.tree_leaves(args)
    return any(isinstance(x, jax.core.Tracer) for x in (jnp.zeros(()), *leaves))


class OptionsJit:
    """`eqx.filter_jit(fn)` compiled with `options` when it is the outermost computation,
    and without them when called inside another jit or on tracers (transformed by grad,
    vmap, ...), where the outer compilation decides."""

    def __init__(self, fn: Callable, options: dict[str, Any], plain: Callable | None = None):
        self.plain = eqx.filter_jit(fn) if plain is None else plain
        # (`filter_jit` passes its keywords on to `jax.jit`; its stubs do not list them)
        jit_kwargs: dict[str, Any] = {"compiler_options": options}
        self.with_options = eqx.filter_jit(fn, **jit_kwargs) if options else None

    def __call__(self, *args, **kwargs):
        if self.with_options is None or _traced((args, kwargs)):
            return self.plain(*args, **kwargs)
        return self.with_options(*args, **kwargs)

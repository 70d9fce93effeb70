import os

# One OpenBLAS thread per process: pytest-xdist already runs one worker per core, and
# OpenBLAS's threads (behind jax.numpy.linalg on the CPU) spin while they wait, so two
# per worker on 2 cores took about twice the CPU time in ridge and eigenvalue code. Set
# before NumPy loads OpenBLAS, which reads it once.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import jax  # noqa: E402
import pytest  # noqa: E402


def pytest_configure(config):
    """Compile without LLVM's optimisations when the slow tests are left out.

    The quick suite spends most of its time compiling small programs that then run for
    milliseconds. `--xla_backend_optimization_level=0`, measured on the shared 2-core
    development machine: tests/ops/test_event.py 31-33 -> 22-25 s, test_pallas.py 45 ->
    33 s, test_native.py 32 -> 26 s, tests/init 18 -> 13 s; the tests dominated by long
    runs pay instead (tests/networks/test_ei.py's 1 s of COBA with JIT connectivity 5 ->
    9-11 s). XLA's own passes still run, and without fast-math LLVM does not reorder
    floating-point arithmetic at any level, so results are those of the optimised code.
    `pytest -m slow`, where long runs dominate, and an `XLA_FLAGS` that already sets the
    level keep it as given. Set here, before any test module starts JAX's backend, which
    reads `XLA_FLAGS` once.
    """
    flags = os.environ.get("XLA_FLAGS", "")
    quick = "not slow" in " ".join((config.getoption("markexpr") or "").split())
    if quick and "xla_backend_optimization_level" not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} --xla_backend_optimization_level=0".strip()


@pytest.fixture
def x64():
    """Run a test in double precision (for accuracy checks against closed forms)."""
    with jax.enable_x64(True):
        yield

"""Run many short Python jobs, each in a process forked from one that has already
imported dynax, JAX and matplotlib.

Importing them costs about 3.5 s of CPU per process, which CI paid once for every
example and every documentation page (55 processes, about 190 CPU seconds on 2 cores).
Importing creates no JAX backend and no thread, so forking afterwards is safe: each job
starts its own backend, in its own process, as a fresh `python script.py` would.

    python .ci/forked.py examples/*.py      # each script as __main__, DYNAX_QUICK=1
    python .ci/forked.py --optimise a.py,b.py examples/*.py

The examples are compiled as the quick test suite is (`tests/conftest.py`), without
LLVM's optimisations (`--xla_backend_optimization_level=0`: the same values, since
nothing is reordered without fast-math): their quick runs are mostly compilation, which
takes 20-40 % less (about 45 of the examples' 250 CPU seconds on 2 cores). Those named
in `--optimise`, whose quick runs are long simulations or training, and an `XLA_FLAGS`
that sets the level already keep the default. `docs/check_snippets.py` does the same
for the documentation pages (158 -> 130 page-seconds).

`docs/check_snippets.py` runs its pages through `map_forked` too.
"""

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

# One job per core, so one OpenBLAS thread per job (its threads spin while they wait:
# two per job on 2 cores doubled the CPU time of ridge fits). Read when NumPy loads it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot  # noqa: E402,F401

import dynax  # noqa: E402,F401

T = TypeVar("T")


def map_forked(
    job: Callable[[T], None], items: Iterable[T], parallel: int | None = None
) -> Iterator[tuple[T, bool, float, float, str]]:
    """Run `job(item)` for each item in a forked child, `parallel` at a time (default:
    one per core), from a fresh empty directory that is removed afterwards; yield (item,
    passed, wall seconds, CPU seconds, output) as each child ends. A job fails by raising
    (its traceback goes to its output) or by exiting with a non-zero code."""
    parallel = parallel or len(os.sched_getaffinity(0))
    pending = list(items)
    running: dict[int, tuple[T, float, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        while pending or running:
            while pending and len(running) < parallel:
                item = pending.pop(0)
                log = os.path.join(tmp, f"{len(pending)}.log")
                cwd = tempfile.mkdtemp(dir=tmp)
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:  # the child: never returns
                    _child(job, item, log, cwd)
                running[pid] = (item, time.perf_counter(), log)
            pid, status, usage = os.wait4(-1, 0)
            item, start, log = running.pop(pid)
            cpu = usage.ru_utime + usage.ru_stime
            with open(log) as f:
                output = f.read()
            passed = os.waitstatus_to_exitcode(status) == 0
            yield item, passed, time.perf_counter() - start, cpu, output


def _child(job: Callable[[T], None], item: T, log: str, cwd: str) -> None:
    code = 1
    try:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.chdir(cwd)
        job(item)
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def compile_unoptimised() -> None:
    """Have XLA compile without LLVM's optimisations in this job (unless `XLA_FLAGS`
    sets the level already): called in a child, which has imported JAX but started no
    backend, before the backend starts and reads `XLA_FLAGS`."""
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_backend_optimization_level" not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} --xla_backend_optimization_level=0".strip()


def run_example(path: str, optimise: bool = False) -> None:
    """Run one example script as `__main__` in quick mode; compiled without LLVM's
    optimisations unless `optimise`."""
    import runpy

    os.environ["DYNAX_QUICK"] = "1"
    if not optimise:
        compile_unoptimised()
    sys.argv = [path]
    runpy.run_path(path, run_name="__main__")


def main(args: list[str]) -> int:
    optimise: set[str] = set()
    if args[:1] == ["--optimise"]:
        optimise = set(args[1].split(","))
        args = args[2:]
    # Largest scripts first (they tend to run longest), so that the last to start are
    # short and neither core waits long at the end (117 s instead of 122 for the times of
    # one run in alphabetical order).
    paths = sorted((os.path.abspath(p) for p in args), key=lambda p: -os.path.getsize(p))
    unknown = optimise - {os.path.basename(p) for p in paths}
    if unknown:
        sys.exit(f"--optimise names scripts that are not run: {sorted(unknown)}")

    def job(path: str) -> None:
        run_example(path, optimise=os.path.basename(path) in optimise)

    failed = []
    jobs = map_forked(job, paths)
    for path, passed, seconds, cpu, output in jobs:
        print(output, end="" if output.endswith("\n") or not output else "\n")
        status = "" if passed else ", FAILED"
        print(
            f"--- {os.path.basename(path)}: {seconds:.0f} s ({cpu:.0f} s CPU){status}", flush=True
        )
        if not passed:
            failed.append(path)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

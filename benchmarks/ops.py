"""Spike propagation operators: one JSON row per (operator, size, spike density).

    python benchmarks/ops.py [N ...]        (default: 4000 40000)
    python benchmarks/ops.py --ab REF.cc [N ...]
    python benchmarks/ops.py --validate [N ...]
    python benchmarks/ops.py --jit [N ...]   (default: 4000 40000)

`--ab` compares the compiled CPU kernels (`dynax/ops/native/event.cc`) with another
version of that source, e.g. `git show HEAD~1:dynax/ops/native/event.cc > /tmp/ref.cc`:
both are loaded in the same process and timed in alternation, ROUNDS times each, on the
same connectivity and spikes; a row gives the median time per call of each (`run_us`,
`ref_us`), the median over rounds of their ratio (this source / the reference), the
same for the process's CPU time (`cpu_ratio`: less sensitive to other processes on a
busy machine), and whether the outputs agree. A reference that is a copy of the source
with a comment added gives the noise of the measurement (an A/A comparison).

`--validate` times `dx.connect.validate` on `dx.networks.coba_network` with N neurons (default
400 000, 32 million synapses): the first call (`first_ms`, arrays not seen before), a
repeated call on the same model (`repeat_us`), the check of the same arrays being traced
(`traced_ms`: one jitted call, as inside a `simulate` under `jit`), each against `run_s`,
a compiled `simulate` of 1 s of the network.

`--jit` times JIT connectivity alone at 2 % active rows (p = 80 / N): homogeneous and
normal weights with the default kernel (the compiled CPU kernel on a CPU, Pallas on a
GPU) and with `kernel="xla"`, against the stored CSR of the same density with its
default kernel (`event_csr_matvec`).

Each operator propagates a spike vector over an N × N connectivity with fan-out 80
(probability 80 / N): `dx.ops.event_csr_matvec` (CSR), `event_fanout_matvec` (fixed
fan-out table), `event_mv_prob_homo` (JIT connectivity, nothing stored) — each with its
default kernel (Pallas on a GPU, the compiled C++ kernels for CSR and fan-out on a CPU)
and with `kernel="xla"` (rows tagged `[xla]`) — against a dense
product `events @ W` (only for N ≤ 8000) and `jax.experimental.sparse` BCOO. run_us is
the time per call inside one jitted `lax.scan` (so without dispatch overhead), where each
step takes one of 16 precomputed spike vectors and adds the result to the carry;
`baseline` is that loop with no operator. compile_s: first call minus the second.
"""

import json
import os
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import sparse

import dynax as dx
from dynax.ops import _native

FAN_OUT = 80
DENSITIES = (0.001, 0.01, 0.1)
ROUNDS = int(os.environ.get("DYNAX_AB_ROUNDS", 15))


def timed(op, data, pool, n_post, n_steps):
    # The connectivity is an argument of the jitted loop, not a baked-in constant.
    @jax.jit
    def run(data, pool, acc):
        def body(acc, i):
            return acc + op(pool[i % pool.shape[0]], data), None

        return jax.lax.scan(body, acc, jnp.arange(n_steps))[0]

    acc = jnp.zeros(n_post, jnp.float32)
    start = time.perf_counter()
    jax.block_until_ready(run(data, pool, acc))
    first = time.perf_counter() - start
    start = time.perf_counter()
    out = jax.block_until_ready(run(data, pool, acc))
    second = time.perf_counter() - start
    return max(first - second, 0.0), second / n_steps * 1e6, out


def operators(n: int):
    prob = FAN_OUT / n
    conn = dx.connect.FixedProb(prob)(n, n, jax.random.key(0))
    rng = np.random.default_rng(0)
    fan = dx.connect.FanOut(rng.integers(0, n, (n, FAN_OUT)), n_post=n)
    w = 0.5
    ops = {"baseline": (lambda e, _: e.astype(jnp.float32), None, 1000)}
    # The event operators default to Pallas kernels on a GPU and to compiled kernels on a
    # CPU: time the XLA path too.
    for kernel in ("auto", "xla"):
        tag = "" if kernel == "auto" else "[xla]"
        ops |= {
            f"event_csr_matvec{tag}": (
                lambda e, c, k=kernel: dx.ops.event_csr_matvec(e, c, w, kernel=k),
                conn,
                1000,
            ),
            f"event_fanout_matvec{tag}": (
                lambda e, c, k=kernel: dx.ops.event_fanout_matvec(e, c, w, kernel=k),
                fan,
                1000,
            ),
            f"event_mv_prob_homo{tag}": (
                lambda e, seed, k=kernel: dx.ops.event_mv_prob_homo(
                    e, w, prob, seed, shape=(n, n), kernel=k
                ),
                jnp.int32(7),
                1000,
            ),
        }
    rows = np.asarray(conn.rows)
    cols = np.asarray(conn.indices)
    bcoo = sparse.BCOO(
        (jnp.full(conn.nnz, w, jnp.float32), jnp.asarray(np.stack([rows, cols], 1))),
        shape=(n, n),
        indices_sorted=True,
    )
    ops["bcoo"] = (lambda e, m: e.astype(jnp.float32) @ m, bcoo, 100)
    if n <= 8000:
        dense = conn.todense(w).astype(jnp.float32)
        ops["dense"] = (lambda e, m: e.astype(jnp.float32) @ m, dense, 100)
    return ops


def bench(n: int):
    rng = np.random.default_rng(1)
    ops = operators(n)
    for density in DENSITIES:
        pool = jnp.asarray(rng.random((16, n)) < density)
        for name, (op, data, n_steps) in ops.items():
            compile_s, run_us, _ = timed(op, data, pool, n, n_steps)
            yield {
                "name": name,
                "n": n,
                "density": density,
                "backend": jax.default_backend(),
                "compile_s": round(compile_s, 3),
                "run_us": round(run_us, 2),
            }


def jit_rows(n: int, density: float = 0.02):
    """JIT connectivity (default kernel and XLA) against stored CSR, at one density."""
    prob = FAN_OUT / n
    conn = dx.connect.FixedProb(prob)(n, n, jax.random.key(0))
    pool = jnp.asarray(np.random.default_rng(1).random((16, n)) < density)
    ops = {"event_csr_matvec": (lambda e, c: dx.ops.event_csr_matvec(e, c, 0.5), conn)}
    for kernel in ("auto", "xla"):
        tag = "" if kernel == "auto" else "[xla]"
        ops[f"event_mv_prob_homo{tag}"] = (
            lambda e, s, k=kernel: dx.ops.event_mv_prob_homo(
                e, 0.5, prob, s, shape=(n, n), kernel=k
            ),
            jnp.int32(7),
        )
        ops[f"event_mv_prob_normal{tag}"] = (
            lambda e, s, k=kernel: dx.ops.event_mv_prob_normal(
                e, 0.5, 0.1, prob, s, shape=(n, n), kernel=k
            ),
            jnp.int32(7),
        )
    for name, (op, data) in ops.items():
        compile_s, run_us, _ = timed(op, data, pool, n, 1000)
        yield {
            "name": name,
            "n": n,
            "density": density,
            "backend": jax.default_backend(),
            "compile_s": round(compile_s, 3),
            "run_us": round(run_us, 2),
        }


def ab(n: int, reference: str):
    """The kernels of this source against those of `reference`, interleaved."""
    library, why = _native.load(reference, suffix="_ref")
    if library is None or not _native.available():
        raise SystemExit(f"cannot build the kernels: {why or _native._library()[1]}")
    conn = dx.connect.FixedProb(FAN_OUT / n)(n, n, jax.random.key(0))
    fan = conn.to_fan_out()
    w_syn = jnp.asarray(np.random.default_rng(2).random(conn.nnz), jnp.float32)
    zeros = jnp.zeros(n, jnp.float32)

    def csr(suffix, weight):
        target = "dynax_event_csr" + suffix
        return lambda e, c: _native._call(target, e, (c.indptr, c.indices), weight, zeros)

    def fan_out(suffix):
        target = "dynax_event_fan_out" + suffix
        return lambda e, f: _native._call(target, e, (f.indices,), 0.5, zeros)

    cases = {
        "csr": (lambda s: csr(s, 0.5), conn),
        "csr_per_synapse": (lambda s: csr(s, w_syn), conn),
        "fan_out": (fan_out, fan),
    }
    rng = np.random.default_rng(1)
    for density in DENSITIES[:2]:
        pool = jnp.asarray(rng.random((16, n)) < density)
        # About 0.1 s per timing: the work is O(active rows x fan-out).
        n_steps = int(max(50, min(2000, 2e7 / (n * density * FAN_OUT + n / 8))))
        for name, (make, data) in cases.items():
            runs = {}
            for side, suffix in (("new", ""), ("ref", "_ref")):
                op = make(suffix)

                @jax.jit
                def run(data, pool, acc, op=op):
                    def body(acc, i):
                        return acc + op(pool[i % pool.shape[0]], data), None

                    return jax.lax.scan(body, acc, jnp.arange(n_steps))[0]

                runs[side] = (run, jax.block_until_ready(run(data, pool, zeros)))
            times = {"new": [], "ref": []}
            cpu = {"new": [], "ref": []}
            for r in range(ROUNDS):
                for side in ("new", "ref") if r % 2 else ("ref", "new"):
                    start, start_cpu = time.perf_counter(), time.process_time()
                    jax.block_until_ready(runs[side][0](data, pool, zeros))
                    times[side].append((time.perf_counter() - start) / n_steps * 1e6)
                    cpu[side].append(time.process_time() - start_cpu)
            new, ref = (float(np.median(times[side])) for side in ("new", "ref"))
            # Each round's pair ran back to back: their ratio cancels slow drifts of load.
            paired = float(np.median(np.divide(times["new"], times["ref"])))
            # The process's CPU time, which time spent waiting for a busy core leaves out.
            paired_cpu = float(np.median(np.divide(cpu["new"], cpu["ref"])))
            yield {
                "name": f"ab_{name}",
                "n": n,
                "density": density,
                "rounds": ROUNDS,
                "run_us": round(new, 2),
                "ref_us": round(ref, 2),
                "ratio": round(paired, 4),
                "cpu_ratio": round(paired_cpu, 4),
                "agree": bool(np.allclose(runs["new"][1], runs["ref"][1], rtol=1e-5)),
            }


def validation(n: int, duration: float = 1000.0, dt: float = 0.1):
    n_exc = int(0.8 * n)
    net = dx.networks.coba_network(n_exc, n - n_exc, key=jax.random.key(0))
    jax.block_until_ready(net)
    start = time.perf_counter()
    dx.connect.validate(net)
    first = time.perf_counter() - start
    repeats = []
    for _ in range(20):
        start = time.perf_counter()
        dx.connect.validate(net)
        repeats.append(time.perf_counter() - start)
    # One entry of each checked array: the checks run, no array is copied out.
    traced = jax.jit(lambda m: [x.ravel()[:1] for x in jax.tree.leaves(dx.connect.validate(m))])
    jax.block_until_ready(traced(net))
    start = time.perf_counter()
    jax.block_until_ready(traced(net))
    traced_s = time.perf_counter() - start
    state = net.init(jax.random.key(1))
    run = lambda: dx.simulate(net, state, dt=dt, duration=duration, key=jax.random.key(2))
    jax.block_until_ready(run())
    start = time.perf_counter()
    jax.block_until_ready(run())
    run_s = time.perf_counter() - start
    nnz = sum(p.conn.nnz for p in net.projections.values())
    repeat = float(np.median(repeats))
    yield {
        "name": "validate",
        "n": n,
        "synapses": nnz,
        "backend": jax.default_backend(),
        "first_ms": round(first * 1e3, 2),
        "repeat_us": round(repeat * 1e6, 1),
        "traced_ms": round(traced_s * 1e3, 2),
        "run_s": round(run_s, 3),
        "first_pct": round(100 * first / run_s, 3),
        "repeat_pct": round(100 * repeat / run_s, 5),
        "traced_pct": round(100 * traced_s / run_s, 3),
    }


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--ab"]:
        rows = lambda n, reference=args[1]: ab(n, reference)
        sizes, args = [40000], args[2:]
    elif args[:1] == ["--jit"]:
        rows, sizes, args = jit_rows, [4000, 40000], args[1:]
    elif args[:1] == ["--validate"]:
        rows, sizes, args = validation, [400000], args[1:]
    else:
        rows, sizes = bench, [4000, 40000]
    for n in [int(a) for a in args] or sizes:
        for row in rows(n):
            print(json.dumps(row), flush=True)

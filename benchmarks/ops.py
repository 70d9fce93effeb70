"""Spike propagation operators: one JSON row per (operator, size, spike density).

    python benchmarks/ops.py [N ...]        (default: 4000 40000)

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
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import sparse

import dynax as dx

FAN_OUT = 80
DENSITIES = (0.001, 0.01, 0.1)


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
    if jax.default_backend() != "gpu":  # JIT connectivity has no compiled CPU kernel
        del ops["event_mv_prob_homo[xla]"]
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


if __name__ == "__main__":
    for n in [int(a) for a in sys.argv[1:]] or [4000, 40000]:
        for row in bench(n):
            print(json.dumps(row), flush=True)

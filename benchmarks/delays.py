"""Per-step cost of a projection with delays: one JSON row per case.

    python benchmarks/delays.py [FAN_OUT ...] [--steps S] [--repeats R]
                                              (default fan-outs: 80 800; S 1000; R 3)

A `dx.Projection` from N_pre = 4000 to N_post = 4000 neurons (`dx.synapses.Exponential`,
CUBA), connectivity `dx.connect.FixedProb(FAN_OUT / 4000)` (nnz about 3.2e5 and 3.2e6)
as CSR and as its padded `to_fan_out()` table, stepped by hand with presynaptic spike
vectors of density 0 (no neuron spikes), 1 % and 10 % per step, at dt = 0.1 ms:

- `per_connection`: uniform random delays in [0, 5] ms (0 to 50 steps), delivered into
  a ring of future steps when sent (`dx.connect.RingDelayed`, through `Projection.arriving`);
- `homogeneous`: one delay of 5 ms for the whole projection (a ring of presynaptic spikes,
  then the event-driven operator);
- `none`: no delay;
- `scatter`: the cost model before the ring (same arrays, plain JAX): a ring of the
  presynaptic spikes, each connection reading its own slot and
  `jnp.zeros(n_post).at[indices].add(jnp.where(spikes_per_connection, w, 0))`, a scatter
  over all synapses every step whatever the spikes, then the synapse's decay.

Each dynax case runs with `kernel="auto"` and `kernel="xla"` (`scatter` has no kernel).
run_us is the time per step inside one jitted `lax.scan` over S steps (a step takes one of
16 precomputed spike vectors), the best of R calls after a first one (`compile_s`: first
call minus the best). The projection and its state are arguments of the jitted loop, not
constants baked into it.
"""

import json
import os
import platform
import sys
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

import dynax as dx
from dynax._delay import to_steps

N = 4000
DT = 0.1
MAX_DELAY = 5.0  # ms
DENSITIES = (0.0, 0.01, 0.1)


def timed(run, args, repeats: int) -> tuple[float, float]:
    """(compile_s, best wall time of a call) of the jitted `run(*args)`."""
    start = time.perf_counter()
    jax.block_until_ready(run(*args))
    first = time.perf_counter() - start
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(run(*args))
        best = min(best, time.perf_counter() - start)
    return max(first - best, 0.0), best


def projection_loop(n_steps: int):
    @eqx.filter_jit
    def run(proj, state, pool):
        def body(state, i):
            ctx = dx.Context(i.astype(jnp.float32) * DT, DT, i)
            return proj.step(state, pool[i % pool.shape[0]], ctx), None

        return jax.lax.scan(body, state, jnp.arange(n_steps))[0].syn.g

    return run


def scatter_loop(n_steps: int):
    """The scatter over all synapses, with a ring of presynaptic spikes that each
    connection reads at its own delay (what per-connection delays cost before the ring
    of future steps)."""

    @jax.jit
    def run(rows, indices, steps, w, pool):
        length = int(MAX_DELAY / DT) + 1
        decay = jnp.exp(-DT / 5.0)

        def body(carry, i):
            g, ring, head = carry
            head = (head + 1) % length
            ring = ring.at[head].set(pool[i % pool.shape[0]])
            sent = ring[(head - steps) % length, rows]  # one read per connection
            arriving = jnp.zeros(N, w.dtype).at[indices].add(jnp.where(sent, w, 0.0))
            return (g * decay + arriving, ring, head), None

        carry = (jnp.zeros(N, w.dtype), jnp.zeros((length, N), bool), jnp.int32(0))
        return jax.lax.scan(body, carry, jnp.arange(n_steps))[0][0]

    return run


def cases(fan_out: int):
    csr = dx.connect.FixedProb(fan_out / N)(N, N, jax.random.key(0))
    rng = np.random.default_rng(0)
    weight = jnp.asarray(rng.uniform(0.1, 1.0, csr.nnz), jnp.float32)
    delay = rng.uniform(0.0, MAX_DELAY, csr.nnz)
    fan, (w_fan, d_fan) = csr.to_fan_out(data=(weight, jnp.asarray(delay)))
    formats = {"csr": (csr, weight, delay), "fan_out": (fan, w_fan, np.asarray(d_fan))}
    for fmt, (conn, w, d) in formats.items():
        for model, ms in (("per_connection", d), ("homogeneous", MAX_DELAY), ("none", 0.0)):
            for kernel in ("auto", "xla"):
                proj = dx.Projection(
                    "P",
                    "N",
                    conn,
                    w,
                    dx.synapses.Exponential(N, 5.0),
                    dx.synapses.CUBA(),
                    delay=ms,
                    kernel=kernel,
                ).with_dt(DT)
                yield {"model": model, "format": fmt, "kernel": kernel}, proj
    yield {"model": "scatter", "format": "csr", "kernel": "-"}, (csr, weight, delay)


def bench(fan_out: int, n_steps: int, repeats: int):
    rng = np.random.default_rng(1)
    pools = {p: jnp.asarray(rng.random((16, N)) < p) for p in DENSITIES}
    run_proj, run_scatter = projection_loop(n_steps), scatter_loop(n_steps)
    for case, data in cases(fan_out):
        for density, pool in pools.items():
            if case["model"] == "scatter":
                csr, w, ms = data
                steps = jnp.asarray(to_steps(ms, DT), jnp.int32)  # as with_dt rounds
                args = (csr.rows, csr.indices, steps, w, pool)
                compile_s, best = timed(run_scatter, args, repeats)
                nnz = csr.nnz
            else:
                proj = data
                compile_s, best = timed(run_proj, (proj, proj.init(), pool), repeats)
                nnz = int(np.prod(proj.conn.weight_shape))
            yield case | {
                "fan_out": fan_out,
                "nnz": nnz,
                "density": density,
                "steps": n_steps,
                "compile_s": round(compile_s, 3),
                "run_us": round(best / n_steps * 1e6, 2),
                "backend": jax.default_backend(),
                "device": str(jax.devices()[0].device_kind),
                "cpus": os.cpu_count(),
                "machine": platform.machine(),
            }


def main(argv: list[str]) -> None:
    n_steps, repeats, fan_outs = 1000, 3, []
    args = iter(argv)
    for a in args:
        if a == "--steps":
            n_steps = int(next(args))
        elif a == "--repeats":
            repeats = int(next(args))
        elif a.startswith("--"):
            sys.exit(f"unknown option {a!r}; options are --steps S, --repeats R")
        else:
            fan_outs.append(int(a))
    for fan_out in fan_outs or [80, 800]:
        for row in bench(fan_out, n_steps, repeats):
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

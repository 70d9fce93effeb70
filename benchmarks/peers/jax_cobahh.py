"""The COBAHH benchmark of `benchmarks/cobahh.py` as a plain JAX script (no dynax): the
reference of what one hand-written, fused float32 step costs.

    python benchmarks/peers/jax_cobahh.py [N ...] [--seed S]

One JSON row per N, with the fields of `benchmarks/cobahh.py` plus "peer": "jax".

The network is the one of `dynax.networks.cobahh_network` (Brette et al. 2007, benchmark 3;
see `brian2_cobahh.py` for the numbers), in mS/cm², µF/cm², mV and ms. One step, the
whole of it written out here: the conductances decay and receive the previous step's
spikes (event-driven: the indices of the neurons that spiked, in a buffer of 16, 64, 256,
1 024 or N entries chosen by `lax.switch` on their number, index padded tables of
targets, and one scatter-add), the gates relax exactly toward their steady state at the
step's v (Rush–Larsen: `exp` of the rates' arguments, one shared between β_m and β_h,
and one `exp` per gate), v exactly toward its equilibrium for the step's conductances
(one `exp`), spikes are upward crossings of −20 mV. Connectivity: every pair with
probability 80 / N, no self-connections, drawn with NumPy. float32 throughout; XLA's
default threading (every core), as dynax and BrainPy.

Timings: build_s is connectivity + state, compile_s the first jitted call minus the second,
run_s the second (the loop alone), first_result_s build + first call.
"""

import json
import os
import platform
import resource
import sys
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

DT = 0.1
AREA = 2e-4  # cm²: 20 000 µm²
G_NA, G_K, G_L = 100.0, 30.0, 0.05  # mS/cm²
E_NA, E_K, E_L, V_T = 50.0, -90.0, -60.0, -63.0  # mV
E_E, E_I, TAU_E, TAU_I = 0.0, -80.0, 5.0, 10.0
W_E, W_I = 6e-6 / AREA, 67e-6 / AREA  # 6 nS, 67 nS in mS/cm²
BUCKETS = (16, 64, 256, 1024)


def peak_rss_gb() -> float:
    """This process's peak RSS (GB), VmHWM (not inherited from the parent process)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1e6
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def targets_table(rng, n_pre, n, prob, offset):
    """Padded table (n_pre, k_max) of the targets of each presynaptic neuron among n,
    Bernoulli(prob) without self-connections (pre i is neuron i + offset); padding n."""
    counts = rng.binomial(n - 1, prob, size=n_pre)
    table = np.full((n_pre, max(int(counts.max()), 1)), n, np.int32)
    for i, k in enumerate(counts):
        cols = rng.choice(n - 1, size=k, replace=False)
        cols += cols >= i + offset  # skip the diagonal
        table[i, :k] = np.sort(cols)
    return jnp.asarray(table)


def rates(v):
    u = v - V_T

    def x_over_expm1(x, e):
        small = jnp.abs(x) < 1e-3
        return jnp.where(small, 1.0 - 0.5 * x, x / jnp.where(small, 1.0, e - 1.0))

    xm = (13.0 - u) / 4.0
    a_m = 1.28 * x_over_expm1(xm, jnp.exp(xm))
    xb = (u - 40.0) / 5.0
    eb = jnp.exp(xb)
    b_m = 1.4 * x_over_expm1(xb, eb)
    a_h = 0.128 * jnp.exp((17.0 - u) / 18.0)
    b_h = 4.0 / (1.0 + 1.0 / eb)
    xn = (15.0 - u) / 5.0
    a_n = 0.16 * x_over_expm1(xn, jnp.exp(xn))
    b_n = 0.5 * jnp.exp((10.0 - u) / 40.0)
    return a_m, b_m, a_h, b_h, a_n, b_n


def gate(x, a, b):
    s = a + b
    x_inf = a / s
    return x_inf + (x - x_inf) * jnp.exp(-DT * s)


def propagate(g, spikes, table, w):
    """g + w at every target of the spiking rows of `table` (event-driven)."""
    n_pre = spikes.shape[0]
    count = jnp.sum(spikes, dtype=jnp.int32)
    sizes = tuple(b for b in BUCKETS if b < n_pre) + (n_pre,)

    def add(size):
        def go(g):
            (idx,) = jnp.nonzero(spikes, size=size, fill_value=n_pre)
            rows = table.at[idx].get(mode="fill", fill_value=g.shape[0])
            return g.at[rows.ravel()].add(w, mode="drop")

        return go

    branch = jnp.searchsorted(jnp.asarray(sizes[:-1]), count)  # first size >= count
    return jax.lax.switch(branch, [add(s) for s in sizes], g)


def make_simulate(n, n_exc, tables, n_steps):
    decay_e, decay_i = np.float32(np.exp(-DT / TAU_E)), np.float32(np.exp(-DT / TAU_I))

    def step(carry, _):
        v, m, h, nk, ge, gi, spike = carry
        ge = propagate(ge * decay_e, spike[:n_exc], tables[0], W_E)
        gi = propagate(gi * decay_i, spike[n_exc:], tables[1], W_I)
        a_m, b_m, a_h, b_h, a_n, b_n = rates(v)
        m3h = m * m * m * h
        n4 = (nk * nk) * (nk * nk)
        g_tot = G_NA * m3h + G_K * n4 + G_L + ge + gi
        i_tot = G_NA * m3h * E_NA + G_K * n4 * E_K + G_L * E_L + ge * E_E + gi * E_I
        v_inf = i_tot / g_tot
        v_new = v_inf + (v - v_inf) * jnp.exp(-DT * g_tot)  # C = 1 µF/cm²
        m, h, nk = gate(m, a_m, b_m), gate(h, a_h, b_h), gate(nk, a_n, b_n)
        spike = (v < -20.0) & (v_new >= -20.0)
        return (v_new, m, h, nk, ge, gi, spike), jnp.sum(spike, dtype=jnp.int32)

    @jax.jit
    def simulate(state):
        return jax.lax.scan(step, state, None, length=n_steps)[1]

    return simulate


def initial_state(n, key):
    v = -65.0 + 5.0 * jax.random.normal(key, (n,), jnp.float32)
    a_m, b_m, a_h, b_h, a_n, b_n = rates(v)
    zeros = jnp.zeros(n, jnp.float32)
    return (v, a_m / (a_m + b_m), a_h / (a_h + b_h), a_n / (a_n + b_n), zeros, zeros,
            jnp.zeros(n, bool))  # fmt: skip


def bench(n: int, duration: float = 1000.0, seed: int = 0) -> dict:
    start = time.perf_counter()
    n_exc = int(0.8 * n)
    prob = min(1.0, 80.0 / n)
    rng = np.random.default_rng(seed)
    tables = (
        targets_table(rng, n_exc, n, prob, 0),
        targets_table(rng, n - n_exc, n, prob, n_exc),
    )
    state = jax.block_until_ready(initial_state(n, jax.random.key(seed)))
    build = time.perf_counter() - start
    simulate = make_simulate(n, n_exc, tables, int(round(duration / DT)))

    def run():
        t = time.perf_counter()
        counts = jax.block_until_ready(simulate(state))
        return time.perf_counter() - t, counts

    first, counts = run()
    run_s, _ = run()
    return {
        "model": "COBAHH",
        "N": n,
        "backend": jax.default_backend(),
        "device": str(jax.devices()[0].device_kind),
        "host": platform.processor() or platform.machine(),
        "build_s": round(build, 3),
        "compile_s": round(first - run_s, 3),
        "run_s": round(run_s, 3),
        "first_result_s": round(build + first, 3),
        "rate_Hz": round(float(jnp.sum(counts)) / n / (duration / 1000.0), 2),
        "peak_rss_GB": round(peak_rss_gb(), 3),
        "peer": "jax",
        "version": f"jax {jax.__version__}",
    }


if __name__ == "__main__":
    args = sys.argv[1:]
    seed = 0
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i : i + 2]
    for n in [int(a) for a in args] or [4000]:
        print(json.dumps(bench(n, seed=seed)), flush=True)

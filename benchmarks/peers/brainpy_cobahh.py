"""The COBAHH benchmark of `benchmarks/cobahh.py`, run in BrainPy 2.x (a peer, not a dynax
dependency).

    .venv-brainpy/bin/python benchmarks/peers/brainpy_cobahh.py [N ...] [--seed S]

One JSON row per N, with the fields of `benchmarks/cobahh.py` plus "peer": "brainpy".

The network is the one of `dynax.networks.cobahh_network` (Brette et al. 2007, benchmark
3; see `brian2_cobahh.py` for the numbers), written here from the published model in
mS/cm², µF/cm², mV and ms: one population of Traub–Miles neurons (`TraubMilesHH`, a
`bp.dyn.NeuDyn` below, whose four equations are integrated together by
`bp.odeint(method="exp_auto")`, BrainPy's exponential Euler, with the synaptic currents
inside the membrane equation so that v is exact for the step's conductances, as in
dynax and Brian) and two align-post projections (`bp.dyn.HalfProjAlignPostMg`, E -> all
and I -> all: an event-driven CSR matrix with a homogeneous weight, `bp.dnn.EventCSRLinear`,
a `bp.dyn.Expon` conductance and a `bp.dyn.COBA` output). The weights are scaled by
exp(dt/τ), as in `brainpy_coba.py`, because BrainPy decays an arriving increment over one
step before the membrane sees it. The connectivity is `brainpy_coba.bernoulli_csr`
(every pair with probability 80 / N, no autapses). v0 ~ N(−65, 5) mV, gates at their
steady state there; a spike is an upward crossing of −20 mV. float32, JAX on the CPU
with XLA's default threading; all spikes are counted.

Timings as in `brainpy_coba.py`: build_s is connectivity + model construction, the first
jitted call compiles and runs, the second (from a reset state) runs only; compile_s is
their difference, first_result_s build + first call.
"""

import json
import math
import os
import platform
import sys
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import brainpy as bp  # noqa: E402
import brainpy.math as bm  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from brainpy_coba import bernoulli_csr, peak_rss_gb  # noqa: E402

V_T = -63.0


def x_over_expm1(x):
    """x / (e^x - 1), 1 at x = 0."""
    safe = jnp.where(jnp.abs(x) < 1e-6, 1.0, x)
    return jnp.where(jnp.abs(x) < 1e-6, 1.0 - 0.5 * x, safe / jnp.expm1(safe))


def rates(V):
    u = V - V_T
    return (
        1.28 * x_over_expm1((13.0 - u) / 4.0),  # alpha_m
        1.4 * x_over_expm1((u - 40.0) / 5.0),  # beta_m
        0.128 * jnp.exp((17.0 - u) / 18.0),  # alpha_h
        4.0 / (1.0 + jnp.exp((40.0 - u) / 5.0)),  # beta_h
        0.16 * x_over_expm1((15.0 - u) / 5.0),  # alpha_n
        0.5 * jnp.exp((10.0 - u) / 40.0),  # beta_n
    )


class TraubMilesHH(bp.dyn.NeuDyn):
    """Traub–Miles sodium and potassium with V_T = −63 mV, a leak, synaptic currents from
    the projections' outputs; spikes at upward crossings of −20 mV."""

    def __init__(self, size, seed):
        super().__init__(size)
        rng = np.random.default_rng(seed + 1)
        v0 = jnp.asarray(-65.0 + 5.0 * rng.standard_normal(size), jnp.float32)
        self.v0 = v0
        self.V = bm.Variable(v0)
        a_m, b_m, a_h, b_h, a_n, b_n = rates(v0)
        self.m = bm.Variable(a_m / (a_m + b_m))
        self.h = bm.Variable(a_h / (a_h + b_h))
        self.n = bm.Variable(a_n / (a_n + b_n))
        self.spike = bm.Variable(jnp.zeros(size, bool))
        self.integral = bp.odeint(bp.JointEq(self.dV, self.dm, self.dh, self.dn), method="exp_auto")

    def reset_state(self, batch_or_mode=None, **kwargs):
        self.V.value = self.v0
        a_m, b_m, a_h, b_h, a_n, b_n = rates(self.v0)
        self.m.value = a_m / (a_m + b_m)
        self.h.value = a_h / (a_h + b_h)
        self.n.value = a_n / (a_n + b_n)
        self.spike.value = jnp.zeros(self.num, bool)

    def dV(self, V, t, m, h, n):
        i_na = 100.0 * m**3 * h * (50.0 - V)
        i_k = 30.0 * n**4 * (-90.0 - V)
        i_l = 0.05 * (-60.0 - V)
        return i_na + i_k + i_l + self.sum_current_inputs(V, init=0.0)  # C = 1 µF/cm²

    def dm(self, m, t, V):
        a, b, *_ = rates(V)
        return a * (1.0 - m) - b * m

    def dh(self, h, t, V):
        _, _, a, b, _, _ = rates(V)
        return a * (1.0 - h) - b * h

    def dn(self, n, t, V):
        *_, a, b = rates(V)
        return a * (1.0 - n) - b * n

    def update(self, x=None):
        t, dt = bp.share.load("t"), bp.share.load("dt")
        V, m, h, n = self.integral(self.V.value, self.m.value, self.h.value, self.n.value, t, dt)
        self.spike.value = jnp.logical_and(self.V.value < -20.0, V >= -20.0)
        self.V.value, self.m.value, self.h.value, self.n.value = V, m, h, n
        return self.spike.value


class COBAHH(bp.DynSysGroup):
    def __init__(self, n: int, seed: int = 0, dt: float = 0.1):
        super().__init__()
        self.n_exc = n_exc = int(0.8 * n)
        prob = min(1.0, 80.0 / n)
        rng = np.random.default_rng(seed)
        self.N = TraubMilesHH(n, seed)
        area = 2e-4  # cm²
        projections = {}
        for name, pre, offset, weight, tau, E in (
            ("E", range(0, n_exc), 0, 6e-6 / area, 5.0, 0.0),
            ("I", range(n_exc, n), n_exc, 67e-6 / area, 10.0, -80.0),
        ):
            indices, indptr = bernoulli_csr(rng, len(pre), n, prob, self_offset=offset)
            conn = bp.conn.CSRConn(indices, indptr, pre=len(pre), post=n)
            projections[name] = bp.dyn.HalfProjAlignPostMg(
                comm=bp.dnn.EventCSRLinear(conn, weight * math.exp(dt / tau)),
                syn=bp.dyn.Expon.desc(size=n, tau=tau),
                out=bp.dyn.COBA.desc(E=E),
                post=self.N,
            )
        self.E, self.I = projections["E"], projections["I"]

    def update(self):
        spike = self.N.spike.value  # last step's spikes
        self.E(spike[: self.n_exc])
        self.I(spike[self.n_exc :])
        self.N()
        return jnp.sum(self.N.spike.value, dtype=jnp.int32)


def bench(n: int, duration: float = 1000.0, dt: float = 0.1, seed: int = 0) -> dict:
    bm.set_dt(dt)
    bm.random.seed(seed)
    steps = int(round(duration / dt))
    start = time.perf_counter()
    model = COBAHH(n, seed, dt)
    for proj in (model.E, model.I):
        jax.block_until_ready((proj.comm.indices, proj.comm.indptr))
    jax.block_until_ready(model.N.V.value)
    build = time.perf_counter() - start

    @bm.jit
    def simulate(indices):
        return bm.for_loop(lambda i: model.step_run(i), indices)

    def run():
        t = time.perf_counter()
        counts = jax.block_until_ready(simulate(bm.arange(steps)))
        return time.perf_counter() - t, counts

    first, counts = run()
    rate = float(jnp.sum(counts)) / n / (duration / 1000.0)
    bp.reset_state(model)
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
        "rate_Hz": round(rate, 2),
        "peak_rss_GB": round(peak_rss_gb(), 3),
        "peer": "brainpy",
        "version": f"brainpy {bp.__version__}, jax {jax.__version__}",
    }


if __name__ == "__main__":
    args = sys.argv[1:]
    seed = 0
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i : i + 2]
    for size in [int(a) for a in args] or [4000]:
        print(json.dumps(bench(size, seed=seed)), flush=True)

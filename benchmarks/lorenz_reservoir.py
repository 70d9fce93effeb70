"""The BrainPy paper's Lorenz reservoir task (Fig. 4D–F): dynax beside BrainPy 2.4, draw
by draw.

    python benchmarks/lorenz_reservoir.py [SEED ...] [--methods ridge,force,bptt]
        [--npz FILE]

Runs `peers/brainpy_lorenz.py` in `.venv-brainpy24` (BrainPy 2.4.6, the version of the
paper's script; `DYNAX_BRAINPY24_PYTHON` names another interpreter) for the seeds
(default 0–19) and methods (default ridge and FORCE), or reads the file it wrote
(`--npz`). Then, on BrainPy's own series, reservoir weights and initial readouts, dynax
trains the readouts with the functions of `examples/lorenz_reservoir.py` (the paper's
settings) and scores them as the script does (mean absolute error over the series).
BPTT is trained twice: with `brainpy24_adam` (BrainPy 2.4's Adam, whose bias correction
counts epochs: what the paper ran) and with Adam.

One JSON row per seed and method: BrainPy's MAE, dynax's and their relative difference;
then one row per method over the seeds: the mean ± sd of each and how many draws are at
or below the paper's number. The series of the two libraries part by O(1) after about 35
time units (rounding, amplified by chaos), so only the same series compares draw by draw.
"""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
PYTHON = os.environ.get("DYNAX_BRAINPY24_PYTHON") or str(
    ROOT / ".venv-brainpy24" / "bin" / "python"
)


def example():
    path = ROOT / "examples" / "lorenz_reservoir.py"
    spec = importlib.util.spec_from_file_location("lorenz_reservoir", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_peer(seeds, methods, out):
    if not os.path.exists(PYTHON):
        sys.exit(f"no BrainPy 2.4 interpreter at {PYTHON} (see benchmarks/README.md)")
    script = ROOT / "benchmarks" / "peers" / "brainpy_lorenz.py"
    cmd = [PYTHON, str(script), out, *map(str, seeds), "--methods", ",".join(methods)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def compare(data, L):
    X, Y = jnp.asarray(data["X"]), jnp.asarray(data["Y"])
    methods = [m for m in L.PAPER if f"{m}_mae" in data]
    columns = {m: [] for m in methods} | ({"bptt_adam": []} if "bptt" in methods else {})
    for i, seed in enumerate(data["seeds"]):
        weights = (jnp.asarray(data[f"W_in_{seed}"]), jnp.asarray(data[f"W_{seed}"]))
        reservoir = eqx.tree_at(lambda r: (r.W_in, r.W), L.make_reservoir(0), weights)
        readout = L.dx.train.Readout(jnp.asarray(data[f"readout_W0_{seed}"]), jnp.zeros(3))
        S = L.reservoir_states(reservoir, X)
        settings = L.PAPER_SETTINGS
        trained = {
            "ridge": lambda: L.train_ridge(S, Y, settings["ridge_alpha"]),
            "force": lambda: L.train_force(reservoir, X, Y, settings["force_alpha"], readout),
            "bptt": lambda: L.train_bptt(S, Y, readout, settings["lr"], 100, brainpy_adam=True),
        }
        for m in methods:
            ours, theirs = L.errors(trained[m]()(S), Y)["mae"], float(data[f"{m}_mae"][i])
            columns[m].append((ours, theirs))
            row = dict(task="lorenz_reservoir", seed=int(seed), method=m, brainpy_mae=theirs)
            row |= dict(dynax_mae=ours, relative_difference=ours / theirs - 1)
            print(json.dumps(row), flush=True)
        if "bptt" in methods:
            adam = L.train_bptt(S, Y, readout, settings["lr"], 100)
            mae = L.errors(adam(S), Y)["mae"]
            columns["bptt_adam"].append((mae, np.nan))
            row = dict(task="lorenz_reservoir", seed=int(seed), method="bptt_adam", dynax_mae=mae)
            print(json.dumps(row), flush=True)
    for m, pairs in columns.items():
        ours, theirs = np.array(pairs).T
        paper = L.PAPER[m.split("_")[0]]
        row = dict(task="lorenz_reservoir", method=m, draws=len(ours), paper=paper)
        for name, v in (("dynax", ours), ("brainpy", theirs)):
            if not np.all(np.isnan(v)):
                row[f"{name}_mean"], row[f"{name}_sd"] = float(v.mean()), float(v.std(ddof=1))
                row[f"{name}_at_or_below_paper"] = int(np.sum(v <= paper))
        if not np.all(np.isnan(theirs)):
            row["max_relative_difference"] = float(np.max(np.abs(ours / theirs - 1)))
            row["dynax_at_or_below_brainpy"] = int(np.sum(ours <= theirs))
        print(json.dumps(row), flush=True)


def main(args):
    methods = ["ridge", "force"]
    npz = None
    if "--methods" in args:
        i = args.index("--methods")
        methods = args[i + 1].split(",")
        del args[i : i + 2]
    if "--npz" in args:
        i = args.index("--npz")
        npz = args[i + 1]
        del args[i : i + 2]
    seeds = [int(s) for s in args] or list(range(20))
    with tempfile.TemporaryDirectory() as tmp:
        if npz is None:
            npz = os.path.join(tmp, "brainpy.npz")
            run_peer(seeds, methods, npz)
        data = dict(np.load(npz))
    with jax.enable_x64(True):
        compare(data, example())


if __name__ == "__main__":
    main(sys.argv[1:])

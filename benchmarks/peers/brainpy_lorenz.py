"""The Lorenz task of `examples/lorenz_reservoir.py` in BrainPy 2.4 (the version of the
BrainPy paper's Fig. 4D–F), to compare dynax with the paper's own code path draw by draw.

    .venv-brainpy24/bin/python benchmarks/peers/brainpy_lorenz.py OUT.npz [SEED ...]
        [--methods ridge,force,bptt]

For each seed: BrainPy's global generator is seeded (`bm.random.seed(seed)`), and the
paper's model is built with BrainPy's defaults (`bp.dyn.Reservoir(3, 100)` followed by
`bp.dnn.Dense(100, 3)`), trained one way and scored as the paper's script scores (the
network run again over the whole series from the zero state, `bp.losses.
mean_absolute_error` against the targets). The generator is seeded again before each
method, so the three methods of one seed share one reservoir (in the paper each method
drew its own, from an unrecorded seed: BrainPy 2.4 seeds its default generator from
`np.random.randint` at import). Settings as in the paper's script: five-step-ahead
targets of `brainpy_datasets.chaos.LorenzEq(100)`, float64, `RidgeRegression(alpha=1e-6)`,
`RLS()` (P0 = 0.1 I), and for BPTT the readout trained by `bp.BPFF` with `Adam(1e-3)` and
the mean squared error for 100 epochs over consecutive 64-sample batches of the
reservoir's states.

Writes OUT.npz with the series (`X`, `Y`: BrainPy's own RK4 steps, which part from
dynax's by rounding and, the system being chaotic, by O(1) after about 35 time units) and,
per seed, the reservoir's weights (`W_in_<seed>` (3, 100) and
`W_<seed>` (100, 100), both (pre, post)), the readout's initial weights (`readout_W0_<seed>`,
`Dense`'s Xavier-normal draw), the trained readouts' weights and biases and the errors
(`<method>_mae`, `<method>_mse`, one entry per seed), and prints one JSON row per seed
and method.
"""

import json
import os
import sys
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import brainpy as bp
import brainpy.math as bm
import brainpy_datasets as bd
import numpy as np

AHEAD, BATCH, EPOCHS = 5, 64, 100


def lorenz_pairs():
    lorenz = bd.chaos.LorenzEq(100)
    series = bm.hstack([lorenz.xs, lorenz.ys, lorenz.zs])
    # One sequence (a batch of 1): inputs u(t), targets u(t + 5 dt).
    return series[None, :-AHEAD], series[None, AHEAD:]


def build(seed):
    bm.random.seed(seed)
    with bm.batching_environment():
        reservoir = bp.dyn.Reservoir(3, 100)
        readout = bp.dnn.Dense(100, 3, mode=bm.training_mode)
    return reservoir, readout


def score(reservoir, readout, X, Y):
    model = bp.Sequential(reservoir, readout, mode=bm.batching_mode)
    runner = bp.DSTrainer(model, progress_bar=False)
    prediction = runner.predict(X, reset_state=True)
    err = bm.as_numpy(prediction) - bm.as_numpy(Y)
    return float(np.mean(np.abs(err))), float(np.mean(err**2))


def train(method, reservoir, readout, X, Y):
    if method == "ridge":
        model = bp.Sequential(reservoir, readout, mode=bm.batching_mode)
        ridge = bp.algorithms.RidgeRegression(alpha=1e-6)
        bp.OfflineTrainer(model, fit_method=ridge, progress_bar=False).fit([X, Y])
    elif method == "force":
        model = bp.Sequential(reservoir, readout, mode=bm.batching_mode)
        bp.OnlineTrainer(model, fit_method=bp.algorithms.RLS(), progress_bar=False).fit([X, Y])
    else:
        states = bp.DSTrainer(reservoir, progress_bar=False).predict(X)

        def batches():
            for i in range(0, states.shape[1], BATCH):
                yield states[0, i : i + BATCH], Y[0, i : i + BATCH]

        trainer = bp.BPFF(
            target=readout,
            loss_fun=bp.losses.mean_squared_error,
            optimizer=bp.optim.Adam(1e-3),
            progress_bar=False,
        )
        trainer.fit(batches, num_epoch=EPOCHS, num_report=-1)


def main(out, seeds, methods):
    bm.enable_x64()
    X, Y = lorenz_pairs()
    saved = {"seeds": np.asarray(seeds), "X": np.asarray(X[0]), "Y": np.asarray(Y[0])}
    for method in methods:
        saved[f"{method}_mae"], saved[f"{method}_mse"] = [], []
    for seed in seeds:
        for method in methods:
            reservoir, readout = build(seed)
            saved[f"W_in_{seed}"] = np.asarray(reservoir.Win)
            saved[f"W_{seed}"] = np.asarray(reservoir.Wrec)
            saved[f"readout_W0_{seed}"] = np.asarray(readout.W)
            start = time.perf_counter()
            train(method, reservoir, readout, X, Y)
            train_s = time.perf_counter() - start
            mae, mse = score(reservoir, readout, X, Y)
            saved[f"{method}_mae"].append(mae)
            saved[f"{method}_mse"].append(mse)
            saved[f"{method}_W_{seed}"] = np.asarray(readout.W)
            saved[f"{method}_b_{seed}"] = np.asarray(readout.b)
            row = dict(peer="brainpy", version=bp.__version__, seed=seed, method=method)
            print(json.dumps(row | dict(mae=mae, mse=mse, train_s=round(train_s, 1))), flush=True)
    np.savez(out, **{k: np.asarray(v) for k, v in saved.items()})


if __name__ == "__main__":
    args = sys.argv[1:]
    methods = ["ridge", "force", "bptt"]
    if "--methods" in args:
        i = args.index("--methods")
        methods = args[i + 1].split(",")
        del args[i : i + 2]
    main(args[0], [int(s) for s in args[1:]] or [0], methods)

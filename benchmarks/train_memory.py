"""Peak memory of a BPTT gradient with and without checkpointing: one JSON row per case.

    python benchmarks/train_memory.py [STEPS ...] [--batch B] [--segment K]
                                       (default steps: 1000 10000; B 16; K: about sqrt(STEPS))

The gradient of a loss read at every step (an MSE of the readout against a target at
each of the STEPS steps of dt = 1 ms) with respect to the weights of a recurrent spiking
network: 32 LIF input neurons driven by noisy currents -> 256 ALIF neurons (sigmoid
surrogate, soft reset, a recurrent CSR projection of connection probability 0.1 with a
1 ms delay, exponential synapses) -> 2 leaky integrators, a batch of B trials with
`dx.train.rollout` (one `jax.vmap` of `dx.simulate`), each trial its own input currents
`(STEPS, 32)`.

For each STEPS, two cases: `checkpoint=False` (reverse mode stores every step's
residuals: memory grows as n) and `checkpoint=K` (`dx.simulate(checkpoint=K)`: the state
every K records, the K steps in between recomputed in the backward pass: memory grows as
n / K + K; K is the divisor of STEPS nearest sqrt(STEPS) unless `--segment` is given).

Each case runs in a fresh subprocess, so that the peak resident memory is its own:

- `temp_bytes`: XLA's scratch memory of the compiled gradient
  (`jax.jit(...).lower(...).compile().memory_analysis().temp_size_in_bytes`), the memory
  that checkpointing reduces; `arg_bytes` and `out_bytes` beside it;
- `peak_rss_GB`: peak resident memory of the process (`resource.getrusage`, ru_maxrss)
  after compiling and two calls; `rss_compiled_GB`: the same before the first call;
- `peak_device_GB`: on a GPU, the device's peak bytes in use (`memory_stats()`);
- `compile_s`: lowering and compiling; `run_s`: the second call (the first is a warm-up).
"""

import json
import math
import os
import platform
import resource
import subprocess
import sys
import time

N_IN, N_HIDDEN, N_OUT, DT = 32, 256, 2, 1.0


def segment_for(steps: int) -> int:
    """The divisor of `steps` nearest its square root."""
    root = math.sqrt(steps)
    return min((k for k in range(1, steps + 1) if steps % k == 0), key=lambda k: abs(k - root))


def one(steps: int, checkpoint: int, batch: int) -> dict:
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    import numpy as np

    import dynax as dx

    spike = dx.surrogate.Sigmoid(alpha=1.0)
    pops = {
        "I": dx.neurons.LIF(N_IN, tau=10.0, v_th=1.0, spike_fn=spike),
        "H": dx.neurons.ALIF(
            N_HIDDEN, tau=20.0, v_th=1.0, beta=0.2, tau_a=200.0, reset="soft", spike_fn=spike
        ),
        "O": dx.neurons.LeakyIntegrator(N_OUT, tau=20.0),
    }
    rng = np.random.default_rng(0)
    ih = dx.connect.FixedProb(0.5)(N_IN, N_HIDDEN, jax.random.key(0))
    hh = dx.connect.FixedProb(0.1)(N_HIDDEN, N_HIDDEN, jax.random.key(1))
    ho = dx.connect.from_dense(np.ones((N_HIDDEN, N_OUT), bool))

    def proj(pre, post, conn, std, n, **kw):
        w = jnp.asarray(rng.normal(0.0, std, conn.nnz), jnp.float32)
        syn = dx.synapses.Exponential(n, tau=5.0)
        return dx.Projection(pre, post, conn, w, syn, dx.synapses.CUBA(), **kw)

    projs = {
        "IH": proj("I", "H", ih, 0.5, N_HIDDEN),
        "HH": proj("H", "H", hh, 0.3, N_HIDDEN, delay=1.0),
        "HO": proj("H", "O", ho, 0.2, N_OUT),
    }
    model = dx.with_dt(dx.Network(pops, projs), DT)
    where = lambda m: tuple(m.projections[k].weight for k in ("IH", "HH", "HO"))  # noqa: E731
    params, rest = eqx.partition(model, dx.train.trainable_filter(model, where))
    # The other arrays (connectivity, parameters) are arguments too, as in a training
    # step, not constants folded into the program.
    arrays, static = eqx.partition(rest, eqx.is_array)

    drive = 1.2 + 0.5 * jax.random.normal(jax.random.key(2), (batch, steps, N_IN))
    target = jnp.sign(jax.random.normal(jax.random.key(3), (batch, 1, N_OUT)))

    def loss(params, arrays, drive, target):
        m = eqx.combine(params, arrays, static)
        rec = dx.train.rollout(m, {"I": drive}, dt=DT, monitors={"o": "O.v"}, checkpoint=checkpoint)
        return jnp.mean((rec["o"] - target) ** 2)

    start = time.perf_counter()
    compiled = jax.jit(jax.grad(loss)).lower(params, arrays, drive, target).compile()
    compile_s = time.perf_counter() - start
    mem = compiled.memory_analysis()
    rss_compiled = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9
    jax.block_until_ready(compiled(params, arrays, drive, target))
    start = time.perf_counter()
    grads = jax.block_until_ready(compiled(params, arrays, drive, target))
    run_s = time.perf_counter() - start
    assert all(bool(jnp.all(jnp.isfinite(g))) for g in jax.tree.leaves(grads))
    device = jax.devices()[0]
    row = {
        "name": "bptt_alif_256",
        "steps": steps,
        "checkpoint": checkpoint,
        "batch": batch,
        "temp_bytes": int(mem.temp_size_in_bytes),
        "arg_bytes": int(mem.argument_size_in_bytes),
        "out_bytes": int(mem.output_size_in_bytes),
        "rss_compiled_GB": round(rss_compiled, 3),
        "peak_rss_GB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9, 3),
        "compile_s": round(compile_s, 2),
        "run_s": round(run_s, 3),
        "grad_norm": float(sum(jnp.sum(g**2) for g in jax.tree.leaves(grads)) ** 0.5),
        "device": device.device_kind,
        "jax": jax.__version__,
    }
    stats = device.memory_stats() if device.platform == "gpu" else None
    if stats:
        row["peak_device_GB"] = round(stats.get("peak_bytes_in_use", 0) / 1e9, 3)
    return row


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        steps, checkpoint, batch = map(int, argv[1:4])
        print(json.dumps(one(steps, checkpoint, batch)), flush=True)
        return
    batch, segment, steps_list, args = 16, None, [], list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--batch":
            batch = int(args.pop(0))
        elif arg == "--segment":
            segment = int(args.pop(0))
        else:
            steps_list.append(int(arg))
    print(json.dumps({"machine": platform.node(), "cpus": os.cpu_count(), "batch": batch}))
    for steps in steps_list or [1000, 10000]:
        for checkpoint in (0, segment or segment_for(steps)):
            cmd = [sys.executable, __file__, "--one", str(steps), str(checkpoint), str(batch)]
            root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
            env = os.environ | {"PYTHONPATH": path}  # dynax from this checkout
            out = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if out.returncode:
                error = out.stderr[-2000:]
                print(json.dumps({"steps": steps, "checkpoint": checkpoint, "error": error}))
            else:
                print(out.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

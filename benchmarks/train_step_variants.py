"""Where a small network's training step spends its time on a GPU: the step of
`train_throughput.py` (256 recurrent LIF neurons, 100 steps, batch 64, Adam) compiled in
variants, all in one process and timed in interleaved rounds. One JSON row per variant.

    python benchmarks/train_step_variants.py [--rounds R] [--steps S] [--only a,b,...]

At this size a GPU step is bound by kernel launches (about ten per time step, forward
and backward), not by arithmetic; the variants change how many kernels run and who
launches them:

- `dynax`: `dx.train.make_step` around `dx.train.rollout` as `train_throughput.py` runs
  it (`simulate`'s default `unroll`, 8 on a GPU); `dynax_u1`, `dynax_u16`, `dynax_u100`:
  other `unroll`s (`rollout(unroll=...)`).
- `dynax_graphs`, `dynax_graphs_u1`: the step compiled with XLA's command buffers
  extended to `WHILE` and `CONDITIONAL`, so that each time loop is one CUDA graph.
- `xla_no_buffers`: XLA's command buffers off (`xla_gpu_enable_command_buffer=""`):
  what the default buffers (runs of kernels outside loops) save; `xla_min1`: graphs of
  any length (`xla_gpu_graph_min_graph_size=1`); `xla_graphs_unroll`: graphs with XLA
  unrolling the loops inside the command buffer (`xla_gpu_command_buffer_unroll_loops`).
- `forward`, `forward_graphs`: the batch's forward run alone (an evaluation).
- `jax`, `jax_hoisted`, `jax_graphs`, `jax_graphs_hoisted`: the same network written
  in plain JAX (one `lax.scan` over the batch); `hoisted` computes the input projection
  $x^t W_\\text{in}$ of all steps before the loop and the leaky readout after it (one
  matrix product each, the readout's leak as a lower-triangular matrix of powers of
  $\\kappa$), leaving the recurrent product and the neurons in the loop.

Rows: `ms` (median wall time of a step, each waiting for its loss), `ms_min`,
`compile_s` (the first step), split by `jax.monitoring` into `trace_s` (Python tracing to
a jaxpr), `lower_s` (jaxpr to MLIR) and `xla_s` (XLA's compilation, GEMM autotuning
included), `loss_6` (the loss after 6 steps: the variants must train alike; the plain
JAX ones use XLA's default matmul precision, dynax full float32).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # train_throughput, and dynax from this checkout

import train_throughput as tt  # noqa: E402


def variants(only: set[str] | None) -> tuple[dict, object]:
    """The compiled variants, each after 6 steps, and `batch(i)`, the i-th batch."""
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    import optax

    import dynax as dx

    # XLA's default command types (jaxlib 0.10-0.12) and the two that take loops in:
    # each time loop compiled as one CUDA graph.
    commands = "FUSION,CUBLAS,CUBLASLT,CUSTOM_CALL,CUDNN,DYNAMIC_SLICE_FUSION,WHILE,CONDITIONAL"
    GPU_GRAPH_OPTIONS = {"xla_gpu_enable_command_buffer": commands}

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "data.npz")
        tt.make_data(path)
        d = dict(np.load(path))
    beta, theta, dt, kappa = (float(d[k]) for k in ("beta", "threshold", "dt", "kappa"))
    xs, ys = jnp.asarray(d["x"]), jnp.asarray(d["y"])
    neuron = dx.neurons.LIF(
        int(d["n_rec"]),
        tau=float(d["tau"]),
        v_th=theta,
        v_reset=theta - theta / beta,
        R=1.0 / (1.0 - beta),
        reset="soft",
        spike_fn=dx.surrogate.InvSquareGrad(float(d["slope"])),
    )
    model = dx.networks.SpikingRNN(
        neuron, d["W_in"], d["W_rec"], d["W_out"], b_out=None, tau_out=float(d["tau_out"])
    )
    optimiser = optax.adam(float(d["lr"]))
    trainable = lambda m: (m.W_in, m.W_rec, m.W_out)  # noqa: E731
    key = jax.random.key(0)

    def dynax(unroll=None, options=None):
        def loss_fn(m, batch, key):
            rec = dx.train.rollout(m, batch[0], dt=dt, monitors={"out": "out"}, unroll=unroll)
            return dx.train.cross_entropy(rec["out"].mean(axis=1), batch[1])

        if options is None:
            step = dx.train.make_step(loss_fn, optimiser, trainable)
            return (lambda m, s, b: step(m, s, b, key)[:3]), model
        spec = dx.train.trainable_filter(model, trainable)

        @eqx.filter_jit(compiler_options=options)
        def raw(m, s, b):
            params, static = eqx.partition(m, spec)
            f = lambda p: loss_fn(eqx.combine(p, static), b, key)  # noqa: E731
            loss, grads = jax.value_and_grad(f)(params)
            updates, s = optimiser.update(grads, s, params)
            return eqx.combine(eqx.apply_updates(params, updates), static), s, loss

        return raw, model

    def forward(graphs):
        run = eqx.filter_jit(
            lambda m, x: dx.train.rollout(m, x, dt=dt, monitors={"out": "out"})["out"],
            **({"compiler_options": GPU_GRAPH_OPTIONS} if graphs else {}),
        )
        return (lambda m, s, b: (m, s, run(m, b[0]).mean())), model

    def plain_jax(hoisted, graphs):
        n = int(d["n_rec"])
        mask = 1 - jnp.eye(n)
        spike = dx.surrogate.InvSquareGrad(float(d["slope"]))

        def loss_fn(p, x, y):
            w_in, w_rec, w_out = p
            w_rec = w_rec * mask
            x = jnp.swapaxes(x, 0, 1)  # (time, batch, n_in)
            drive = x @ w_in if hoisted else x

            def body(carry, inp):
                v, z, out = carry
                v = beta * v + (inp if hoisted else inp @ w_in) + z @ w_rec - theta * z
                z = spike(v - theta).astype(v.dtype)
                if hoisted:
                    return (v, z, out), z
                out = kappa * out + z @ w_out
                return (v, z, out), out

            zeros = jnp.zeros((x.shape[1], n))
            carry = (zeros, zeros, jnp.zeros((x.shape[1], w_out.shape[1])))
            _, outs = jax.lax.scan(body, carry, drive, unroll=8)
            if hoisted:
                t = jnp.arange(outs.shape[0])
                lag = (t[:, None] - t[None, :]).astype(jnp.float32)
                leak = jnp.where(lag >= 0, kappa ** jnp.maximum(lag, 0.0), 0.0)
                outs = jnp.einsum("ts,sbo->tbo", leak, outs @ w_out)
            return dx.train.cross_entropy(outs.mean(0), y)

        @eqx.filter_jit(**({"compiler_options": GPU_GRAPH_OPTIONS} if graphs else {}))
        def step(p, s, b):
            loss, grads = jax.value_and_grad(loss_fn)(p, *b)
            updates, s = optimiser.update(grads, s, p)
            return optax.apply_updates(p, updates), s, loss

        return step, tuple(jnp.asarray(d[k]) for k in ("W_in", "W_rec", "W_out"))

    table = {
        "dynax": lambda: dynax(),
        "dynax_u1": lambda: dynax(unroll=1),
        "dynax_u16": lambda: dynax(unroll=16),
        "dynax_u100": lambda: dynax(unroll=100),
        "dynax_graphs": lambda: dynax(options=GPU_GRAPH_OPTIONS),
        "dynax_graphs_u1": lambda: dynax(unroll=1, options=GPU_GRAPH_OPTIONS),
        "xla_no_buffers": lambda: dynax(options={"xla_gpu_enable_command_buffer": ""}),
        "xla_min1": lambda: dynax(options={"xla_gpu_graph_min_graph_size": 1}),
        "xla_graphs_unroll": lambda: dynax(
            options={
                "xla_gpu_enable_command_buffer": commands,
                "xla_gpu_command_buffer_unroll_loops": True,
            }
        ),
        "forward": lambda: forward(False),
        "forward_graphs": lambda: forward(True),
        "jax": lambda: plain_jax(False, False),
        "jax_hoisted": lambda: plain_jax(True, False),
        "jax_graphs": lambda: plain_jax(False, True),
        "jax_graphs_hoisted": lambda: plain_jax(True, True),
    }
    if only:
        unknown = only - set(table)
        if unknown:
            sys.exit(f"unknown variants {sorted(unknown)}; choose among {', '.join(table)}")
        table = {k: v for k, v in table.items() if k in only}

    def batch(i):
        return xs[i % xs.shape[0]], ys[i % ys.shape[0]]

    durations: dict[str, float] = {}

    def record(event: str, secs: float, **_) -> None:
        durations[event] = durations.get(event, 0.0) + secs

    jax.monitoring.register_event_duration_secs_listener(record)
    phases = {
        "trace_s": "/jax/core/compile/jaxpr_trace_duration",
        "lower_s": "/jax/core/compile/jaxpr_to_mlir_module_duration",
        "xla_s": "/jax/core/compile/backend_compile_duration",
    }
    built = {}
    for name, make in table.items():
        try:
            step, params = make()
            is_model = isinstance(params, dx.DynamicalSystem)
            state = (
                dx.train.init_optimiser(optimiser, params, trainable)
                if is_model
                else optimiser.init(params)
            )
            durations.clear()
            start = time.perf_counter()
            params, state, loss = step(params, state, batch(0))
            first = float(loss)
            compile_s = time.perf_counter() - start
            split = {k: round(durations.get(e, 0.0), 2) for k, e in phases.items()}
            for i in range(1, 6):
                params, state, loss = step(params, state, batch(i))
            built[name] = {
                "step": step,
                "params": params,
                "state": state,
                "i": 6,
                "times": [],
                "row": {
                    "variant": name,
                    "compile_s": round(compile_s, 2),
                    **split,
                    "loss_first": round(first, 5),
                    "loss_6": round(float(loss), 5),
                },
            }
        except Exception as e:  # an option this XLA does not know: say so, go on
            print(json.dumps({"variant": name, "error": f"{type(e).__name__}: {e}"[:400]}))
    return built, batch


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--steps", type=int, default=8, help="timed steps per variant and round")
    p.add_argument("--only", default="", help="comma-separated variant names")
    args = p.parse_args()
    built, batch = variants({n for n in args.only.split(",") if n} or None)
    for _ in range(args.rounds):  # interleaved: the machine's speed drifts
        for b in built.values():
            for _ in range(args.steps):
                start = time.perf_counter()
                b["params"], b["state"], loss = b["step"](b["params"], b["state"], batch(b["i"]))
                float(loss)
                b["times"].append(time.perf_counter() - start)
                b["i"] += 1
    for b in built.values():
        t = b["times"]
        row = {**b["row"], "ms": round(1e3 * statistics.median(t), 3)}
        row["ms_min"] = round(1e3 * min(t), 3)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()

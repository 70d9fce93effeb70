"""dx.shard: a network split over 1, 2 and 4 host devices gives the unsharded spikes.

JAX fixes the number of devices when it starts, so the cases run in a child process with
`--xla_force_host_platform_device_count=4` (this file, run as a script); the tests here
read what it reports.
"""

import json
import os
import subprocess
import sys

import pytest

N_EXC, N_INH = 320, 80  # the COBA network's structure at 400 neurons (fan-in 80)


def _child(cases: str) -> dict:
    env = dict(os.environ)
    flags = env.get("XLA_FLAGS", "")
    env["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count=4".strip()
    env["JAX_PLATFORMS"] = "cpu"
    out = subprocess.run(
        [sys.executable, __file__, cases], env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr[-4000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _assert_same_run(report: dict, name: str, min_spikes: int = 50) -> None:
    case = report[name]
    assert case["spikes"] >= min_spikes, case  # enough activity for the comparison to bite
    assert case["raster"], f"{name}: the spike raster differs from the unsharded run"
    assert case["state"], f"{name}: the final state differs from the unsharded run"


def test_coba_sharded_1_2_4_ways_and_delays_with_window():
    report = _child("quick")
    for shards in (1, 2, 4):
        _assert_same_run(report, f"coba/{shards}")
    _assert_same_run(report, "coba/put")
    for name in ("delay/4", "delay/4/window15"):
        _assert_same_run(report, name)
    assert report["delay/4/window15"]["exchanges"] == report["steps"] // 15 + 1
    assert "multiples of 4" in report["errors"]["size"]
    assert "at most 16 steps" in report["errors"]["window"]
    assert "at most 1 steps" in report["errors"]["per_connection"]
    # JitProb with column tiles, split 1, 2 and 4 ways: the unsharded product (bit for
    # bit on the same kernel; a wrong connection would be off by at least 0.2).
    tiles = report["tiles"]
    assert tiles["auto/1"] == tiles["auto/2"] == tiles["auto/4"] == 0, tiles
    assert tiles["xla/4"] < 1e-5 and report["tiles_sum"] > 10, tiles


@pytest.mark.slow
def test_jit_fan_out_dense_and_nested_sharded():
    report = _child("slow")
    cases = ("jit/2", "jit/4", "jit/4/window", "jit/tiles/2", "jit/tiles/4")
    cases += ("delay/2/window16", "fan_out/4", "dense/4")
    for name in (*cases, "per_connection/csr/4", "per_connection/fan_out/4", "nested/4"):
        _assert_same_run(report, name)


def test_sharded_pairs_propagate_in_one_shard_map_in_place():
    """dx.ops.event_matvecs over sharded projections (one device, in this process) runs
    them all in one shard_map, each device through the unsharded path (the compiled
    kernel adding into the buffers, no separate sum), and gives the unsharded sums."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    from jax.sharding import Mesh

    import dynax as dx

    mesh = Mesh(np.array(jax.devices()[:1]), ("neurons",))
    rng = np.random.default_rng(0)
    spikes = jnp.asarray(rng.random(300) < 0.2)
    conns = [dx.connect.JitProb(300, n, 0.1, seed) for n, seed in ((240, 1), (60, 2))]
    pairs = [(c, jnp.float32(w)) for c, w in zip(conns, (0.5, -1.5))]
    inits = [jnp.asarray(rng.random(c.n_post), jnp.float32) for c in conns]
    split = [dx.connect.partition(c, w, mesh, "neurons") for c, w in pairs]

    def run(pairs, inits):
        return dx.ops.event_matvecs(spikes, pairs, kernel="native", add_to=inits)

    expected = run(pairs, inits)
    got = run(split, inits)
    assert all(np.array_equal(a, b) for a, b in zip(got, expected))
    assert sum(float(jnp.abs(a - i).sum()) for a, i in zip(got, inits)) > 1.0
    eqns = jax.make_jaxpr(run)(split, inits).jaxpr.eqns
    assert [e.primitive.name for e in eqns] == ["shard_map"]  # no add after it


# --------------------------------------------------------------------------------------
# The child process.


def _main(which: str) -> None:
    import jax
    import numpy as np
    from jax.sharding import Mesh

    import dynax as dx

    steps = 400
    report: dict = {"steps": steps, "errors": {}}

    def mesh(shards):
        return Mesh(np.array(jax.devices()[:shards]), ("neurons",))

    def delayed(net, delay):
        return dx.Network(
            net.populations,
            {
                name: dx.Projection(
                    p.pre, p.post, p.conn, p.weight, p.synapse, p.output, delay, p.kernel
                )
                for name, p in net.projections.items()
            },
        )

    def run(model, state=None, monitors=("E", "I"), extra=None):
        state = model.init(jax.random.key(7)) if state is None else state
        watch = {m: f"{m}.spike" for m in monitors}
        final, rec = dx.simulate(
            model, state, dt=0.1, n_steps=steps, monitors=watch | (extra or {})
        )
        final = {k: v for k, v in final.items() if k != "exchange"}
        return [np.asarray(rec[m]) for m in monitors], final, rec

    def compare(name, reference, model, state=None, monitors=("E", "I"), extra=None):
        raster, final, rec = run(model, state, monitors, extra)
        leaves = [np.asarray(x) for x in jax.tree.leaves(final)]
        ref = [np.asarray(x) for x in jax.tree.leaves(reference[1])]
        report[name] = {
            "spikes": int(sum(r.sum() for r in raster)),
            "raster": all(np.array_equal(a, b) for a, b in zip(raster, reference[0])),
            "state": len(leaves) == len(ref)
            and all(np.array_equal(a, b) for a, b in zip(leaves, ref)),
        }
        return rec

    key = jax.random.key(3)
    if which == "quick":
        coba = dx.networks.coba_network(N_EXC, N_INH, key=key)  # CSR, compiled CPU kernels
        reference = run(coba)
        for shards in (1, 2):
            compare(f"coba/{shards}", reference, dx.shard(coba, mesh(shards)))
        # jax.make_mesh's axes are Explicit (JAX 0.10): dx.shard uses the same devices.
        compare("coba/4", reference, dx.shard(coba, jax.make_mesh((4,), ("neurons",))))
        # A state made without sharding, placed on the mesh.
        four = dx.shard(coba, mesh(4))
        compare("coba/put", reference, four, four.put(coba.init(jax.random.key(7))))

        slow = delayed(coba, 1.5)  # 15 steps at dt = 0.1 ms, across shard boundaries
        reference = run(slow)
        compare("delay/4", reference, dx.shard(slow, mesh(4)))
        # The steps at which the window's spikes were gathered (one all-gather each).
        start = {"start": "exchange.start"}
        rec = compare(
            "delay/4/window15", reference, dx.shard(slow, mesh(4), window=1.5), extra=start
        )
        report["delay/4/window15"]["exchanges"] = int(np.unique(np.asarray(rec["start"])).size)

        p = coba.projections["E2E"]
        ones = np.ones(p.conn.nnz)  # a delay (ms) per connection
        e2e = dx.Projection(p.pre, p.post, p.conn, p.weight, p.synapse, p.output, ones)
        per_connection = dx.Network(coba.populations, {"E2E": e2e})
        for name, make in (
            ("size", lambda: dx.shard(dx.networks.coba_network(322, 80, key=key), mesh(4))),
            ("window", lambda: run(dx.shard(slow, mesh(4), window=1.7))),
            ("per_connection", lambda: run(dx.shard(per_connection, mesh(4), window=0.2))),
        ):
            try:
                make()
                report["errors"][name] = ""
            except (ValueError, NotImplementedError) as e:
                report["errors"][name] = str(e)

        # Column tiles of 48: the blocks of 100 and 200 columns straddle them.
        conn = dx.connect.JitProb(120, 400, 0.05, 11, column_tile=48)
        events = jax.random.bernoulli(jax.random.key(2), 0.3, (120,))
        weight = dx.init.Uniform(0.2, 1.0)
        report["tiles"] = {}
        # The compiled CPU kernel where it builds (`auto`), and XLA's path on 4 devices
        # (against the kernel's sums: the same connections, summed in another order).
        want = np.asarray(conn.event_matvec(events, weight))
        report["tiles_sum"] = float(want.sum())
        for kernel, shards in (("auto", 1), ("auto", 2), ("auto", 4), ("xla", 4)):
            split, w = dx.connect.partition(conn, weight, mesh(shards), "neurons")
            got = jax.jit(lambda c, e, w=w, k=kernel: c.event_matvec(e, w, kernel=k))
            diff = np.abs(np.asarray(got(split, events)) - want).max()
            report["tiles"][f"{kernel}/{shards}"] = float(diff)
    else:
        jit = dx.networks.coba_network(N_EXC, N_INH, key=key, connectivity="jit")
        reference = run(jit)
        compare("jit/2", reference, dx.shard(jit, mesh(2)))
        compare("jit/4", reference, dx.shard(jit, mesh(4)))
        slow = delayed(jit, 1.0)
        compare("jit/4/window", run(slow), dx.shard(slow, mesh(4), window=1.0))
        # Column tiles of 48 (E's blocks of 80 and 160 columns, I's of 20 and 40, straddle
        # them): each device draws only the tiles over its columns.
        tiled = dx.Network(
            jit.populations,
            {
                name: dx.Projection(
                    p.pre,
                    p.post,
                    dx.connect.JitProb(
                        p.conn.n_pre, p.conn.n_post, p.conn.prob, p.conn.seed, column_tile=48
                    ),
                    p.weight,
                    p.synapse,
                    p.output,
                )
                for name, p in jit.projections.items()
            },
        )
        reference = run(tiled)
        compare("jit/tiles/2", reference, dx.shard(tiled, mesh(2)))
        compare("jit/tiles/4", reference, dx.shard(tiled, mesh(4)))
        # The longest window: a delay of 15 steps is read 16 steps after the spike.
        coba = delayed(dx.networks.coba_network(N_EXC, N_INH, key=key), 1.5)
        compare("delay/2/window16", run(coba), dx.shard(coba, mesh(2), window=1.6))
        fan = dx.networks.coba_network(N_EXC, N_INH, key=key, connectivity="fan_out")
        compare("fan_out/4", run(fan), dx.shard(fan, mesh(4)))
        # Per-connection delays (0.1-2 ms), delivered into each device's rings.
        for fmt, net in (
            ("csr", dx.networks.coba_network(N_EXC, N_INH, key=key)),
            ("fan_out", fan),
        ):
            spread = dx.Network(
                net.populations,
                {
                    name: dx.Projection(
                        p.pre,
                        p.post,
                        p.conn,
                        p.weight,
                        p.synapse,
                        p.output,
                        np.asarray(
                            jax.random.uniform(
                                jax.random.key(k), p.conn.weight_shape, minval=0.1, maxval=2.0
                            )
                        ),
                    )
                    for k, (name, p) in enumerate(net.projections.items())
                },
            )
            compare(f"per_connection/{fmt}/4", run(spread), dx.shard(spread, mesh(4)))
        # All-to-all with one weight (a Dense's scalar weight sums like the others).
        dense = _dense_ei(dx, jax)
        compare("dense/4", run(dense), dx.shard(dense, mesh(4)))
        # Two areas, each a COBA network, one projection between them.
        areas = dx.networks.coba_network(N_EXC, N_INH, key=key)
        link = dx.Projection(
            "A.E",
            "B.E",
            dx.connect.FixedProb(0.05)(N_EXC, N_EXC, key),
            0.3,
            dx.synapses.Exponential(N_EXC, 5.0),
            dx.synapses.COBA(E=0.0),
            delay=0.5,
        )
        nested = dx.Network({"A": areas, "B": areas}, {"A2B": link})
        compare(
            "nested/4",
            run(nested, monitors=("A.E", "B.E")),
            dx.shard(nested, mesh(4)),
            monitors=("A.E", "B.E"),
        )
    print(json.dumps(report))


def _dense_ei(dx, jax):
    net = dx.networks.coba_network(N_EXC, N_INH, key=jax.random.key(0))
    sizes = {"E": N_EXC, "I": N_INH}
    weight = {"E": 0.6 / 5, "I": 6.7 / 5}  # every pair connected: the mean input of fan-in 80
    projections = {
        name: dx.Projection(
            p.pre,
            p.post,
            dx.connect.Dense(sizes[p.pre], sizes[p.post]),
            weight[p.pre],
            p.synapse,
            p.output,
        )
        for name, p in net.projections.items()
    }
    return dx.Network(net.populations, projections)


if __name__ == "__main__":
    _main(sys.argv[1])

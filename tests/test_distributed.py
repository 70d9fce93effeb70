"""Runs over several processes (`jax.distributed`, two local processes over the loopback
address, CPU collectives by gloo) and over several host devices: sweeps, sharded
networks and checkpoints of sharded states give the numbers of one plain process.

The device count is fixed when JAX starts, so each case runs in fresh processes."""

import os
import socket
import subprocess
import sys
import textwrap

import pytest

# Prepended to each process's script: `import dynax` comes before
# `jax.distributed.initialize` on purpose (importing dynax must not start JAX's backend).
PROCESS = """
import sys
import jax
import dynax as dx
jax.config.update("jax_num_cpu_devices", {devices})
jax.distributed.initialize(
    "127.0.0.1:{port}", num_processes={processes}, process_id=int(sys.argv[1])
)
import jax.numpy as jnp
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
assert jax.process_count() == {processes} and jax.device_count() == {processes} * {devices}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict[str, str]:
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    flags = env.get("XLA_FLAGS", "").split()
    env["XLA_FLAGS"] = " ".join(f for f in flags if "device_count" not in f)
    return env


def run_processes(body: str, processes: int = 2, devices: int = 2, timeout: float = 240):
    """Run `body` in `processes` processes of one `jax.distributed` run, `devices` CPU
    devices each; their standard outputs, after asserting that every one succeeded."""
    script = PROCESS.format(devices=devices, port=_free_port(), processes=processes)
    script += textwrap.dedent(body)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(i)],
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(processes)
    ]
    outs = []
    try:
        for p in procs:
            outs.append(p.communicate(timeout=timeout))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    for i, (p, (_, err)) in enumerate(zip(procs, outs)):
        assert p.returncode == 0, f"process {i} failed:\n{err[-4000:]}"
    return [out for out, _ in outs]


def run_devices(body: str, devices: int = 4, timeout: float = 240) -> str:
    """Run `body` in one process with `devices` CPU devices; its standard output."""
    env = _env()
    env["XLA_FLAGS"] += f" --xla_force_host_platform_device_count={devices}"
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(body)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert out.returncode == 0, out.stderr[-4000:]
    return out.stdout


# ---------------------------------------------------------------- two processes

# Two processes of two CPU devices each. Each process also runs the model alone, on one
# device, as the reference.
TWO_PROCESSES = """
import os
net = dx.networks.coba_network(160, 40, key=jax.random.key(0))
kw = dict(dt=0.1, monitors={"s": "E.spike"})
drive = {"E": 2.0}  # keeps both halves of the run active at this size
_, whole = dx.simulate(net, net.init(jax.random.key(1)), n_steps=300, inputs=drive, **kw)

# One network split along the neuron axis over the four devices of both processes,
# recorded in chunks: each chunk's raster, split over both, is gathered into each.
mesh = Mesh(np.array(jax.devices()), ("neurons",))
sharded = dx.shard(net, mesh, axis="neurons")
state = sharded.init(jax.random.key(1))
half, first = dx.simulate(
    sharded, state, n_steps=150, inputs=drive, chunk=50, check_finite=True, **kw
)
assert not half["E"].v.is_fully_addressable  # shards in both processes
first = first["s"]
assert isinstance(first, np.ndarray) and first.shape == (150, 160)
np.testing.assert_array_equal(first, whole["s"][:150])
print("raster", int(first.sum()))

# Its checkpoint, written from four shards by process 0, resumed in each process on its
# own two devices (two shards).
path = os.environ["CKPT"]
dx.save(path, {"state": half, "step": 150})
local = dx.shard(net, Mesh(np.array(jax.local_devices()), ("neurons",)), axis="neurons")
ckpt = dx.load(path, like={"state": local.init(jax.random.key(2)), "step": 0})
assert ckpt["state"]["E"].v.sharding.mesh.shape["neurons"] == 2
assert ckpt["state"]["E"].v.is_fully_addressable
_, second = dx.simulate(
    local, ckpt["state"], n_steps=150, t0=ckpt["step"] * 0.1, inputs=drive, **kw
)
np.testing.assert_array_equal(second["s"], whole["s"][150:])
back = dx.load(path, like={"state": half, "step": 0})  # onto the four devices again
for a, b in zip(jax.tree.leaves(back["state"]), jax.tree.leaves(half)):
    assert a.sharding == b.sharding
    for s, t in zip(a.addressable_shards, b.addressable_shards):
        np.testing.assert_array_equal(s.data, t.data)
print("resumed", int(second["s"].sum()))

# A sweep over a (batch 2, neurons 2) mesh: a process's two devices hold one network.
grid = Mesh(np.array(jax.devices()).reshape(2, 2), ("batch", "neurons"))
model = dx.shard(net, grid, axis="neurons")

def counts(current, model, state):
    _, rec = dx.simulate(model, state, n_steps=200, inputs={"E": current}, **kw)
    return rec["s"].sum(0)

currents = jnp.linspace(0.0, 6.0, 3)  # padded to 4
swept = dx.sweep(counts, currents, model, model.init(jax.random.key(1)), mesh=grid)
swept = multihost_utils.process_allgather(swept, tiled=True)
alone = dx.sweep(counts, currents, net, net.init(jax.random.key(1)))
np.testing.assert_array_equal(swept, alone)
print("sweep", *swept.sum(1))
"""


WORDS = {"raster", "resumed", "sweep"}


# (20 s: two processes each compiling the sharded network; the quick suite has a 4-minute
# budget on 2 cores, and tests/test_shard.py checks sharding in one process)
@pytest.mark.slow
def test_sharded_network_checkpoint_and_sweep_across_two_processes(tmp_path, monkeypatch):
    monkeypatch.setenv("CKPT", str(tmp_path / "state.ckpt"))
    outs = run_processes(TWO_PROCESSES)
    # Every process printed the same numbers (checked against its own one-device run).
    said = [
        dict(line.split(" ", 1) for line in out.splitlines() if line.split(" ")[0] in WORDS)
        for out in outs
    ]
    assert said[0] == said[1] and set(said[0]) == WORDS, outs
    found = said[0]
    assert int(found["raster"]) > 50 and int(found["resumed"]) > 20, found  # activity
    totals = [int(x) for x in found["sweep"].split()]
    assert len(set(totals)) == 3, totals  # the currents give different networks


# ---------------------------------------------------------------- four devices, one process

FOUR_DEVICES = """
import os, tempfile
import jax, jax.numpy as jnp, numpy as np
from jax.sharding import Mesh
import dynax as dx

devices = np.array(jax.devices())
assert devices.size == 4
net = dx.networks.coba_network(320, 80, key=jax.random.key(0))
kw = dict(dt=0.1, monitors={"s": "E.spike"})
drive = {"E": 2.0}
_, whole = dx.simulate(net, net.init(jax.random.key(1)), n_steps=300, inputs=drive, **kw)

# A checkpoint written from four shards, resumed on two.
four = dx.shard(net, Mesh(devices, ("neurons",)), axis="neurons")
half, first = dx.simulate(four, four.init(jax.random.key(1)), n_steps=150, inputs=drive, **kw)
path = os.path.join(tempfile.mkdtemp(), "run.ckpt")
dx.save(path, {"state": half, "step": 150})
two = dx.shard(net, Mesh(devices[:2], ("neurons",)), axis="neurons")
ckpt = dx.load(path, like={"state": two.init(jax.random.key(2)), "step": 0})
for a, b in zip(jax.tree.leaves(ckpt["state"]), jax.tree.leaves(half)):
    assert a.sharding.mesh.devices.size == 2 and a.sharding.spec == b.sharding.spec
    np.testing.assert_array_equal(a, b)
_, second = dx.simulate(two, ckpt["state"], n_steps=150, t0=15.0, inputs=drive, **kw)
joined = np.concatenate([first["s"], second["s"]])
np.testing.assert_array_equal(joined, whole["s"])
print("resumed", int(first["s"].sum()), int(second["s"].sum()))

# The same with 1.5 ms delays, a Poisson drive and the min-delay window (1.5 ms, 15
# steps), saved in the middle of a window: the exchange cache, whose shape does not
# depend on the number of devices, is saved with the rest and used on two (80 neurons a
# block on four, packed word by word on two: the words are repacked at each gather).
conn = dx.connect.FixedProb(0.2)(40, 320, jax.random.key(3))
projections = {
    name: dx.Projection(p.pre, p.post, p.conn, p.weight, p.synapse, p.output, 1.5, p.kernel)
    for name, p in net.projections.items()
}
projections["P2E"] = dx.Projection(
    "P", "E", conn, 1.0, dx.synapses.Exponential(320, 5.0), dx.synapses.COBA(E=0.0), 1.5
)
slow = dx.Network({**net.populations, "P": dx.inputs.PoissonGroup(40, 100.0)}, projections)
kw_key = dict(kw, key=jax.random.key(7))
_, whole = dx.simulate(slow, slow.init(jax.random.key(1)), n_steps=300, **kw_key)
four = dx.shard(slow, Mesh(devices, ("neurons",)), window=1.5)
half, first = dx.simulate(four, four.init(jax.random.key(1)), n_steps=157, **kw_key)
dx.save(path, {"state": half, "step": 157})
two = dx.with_dt(dx.shard(slow, Mesh(devices[:2], ("neurons",)), window=1.5), 0.1)
ckpt = dx.load(path, like={"state": two.init(jax.random.key(2)), "step": 0})  # delay rings
assert int(ckpt["state"]["exchange"].start) == 150  # the window gathered at step 150
_, second = dx.simulate(two, ckpt["state"], n_steps=143, t0=15.7, **kw_key)
np.testing.assert_array_equal(np.concatenate([first["s"], second["s"]]), whole["s"])
# A state without the cache (saved so, or from the unsharded network): `put` adds an
# empty one, refilled at the first step.
bare = two.put({k: v for k, v in ckpt["state"].items() if k != "exchange"})
assert int(bare["exchange"].start) < 0
_, again = dx.simulate(two, bare, n_steps=143, t0=15.7, **kw_key)
np.testing.assert_array_equal(again["s"], second["s"])
print("windowed", int(first["s"].sum()), int(second["s"].sum()))

# A sweep over a mesh of two networks at a time, each over two devices.
grid = Mesh(devices.reshape(2, 2), ("batch", "neurons"))
model = dx.shard(net, grid, axis="neurons")

def raster(current, model, state):
    return dx.simulate(model, state, n_steps=200, inputs={"E": current}, **kw)[1]["s"]

currents = jnp.asarray([0.0, 2.0, 4.0, 6.0])
swept = dx.sweep(raster, currents, model, model.init(jax.random.key(1)), mesh=grid)
assert swept.sharding.spec == jax.sharding.PartitionSpec("batch", None, "neurons")
alone = dx.sweep(raster, currents, net, net.init(jax.random.key(1)))
np.testing.assert_array_equal(swept, alone)
print("sweep", *np.asarray(swept).sum((1, 2)))
"""


@pytest.mark.slow
def test_checkpoints_from_four_shards_resume_on_two_and_batch_by_neuron_sweep():
    out = run_devices(FOUR_DEVICES)
    found = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    assert min(map(int, found["resumed"].split())) > 20, found  # both halves active
    assert min(map(int, found["windowed"].split())) > 100, found
    totals = [int(x) for x in found["sweep"].split()]
    assert len(set(totals)) == 4 and min(totals) > 0, totals

"""Runs over several processes (`jax.distributed`, two local processes over the loopback
address, CPU collectives by gloo) and over several host devices: sweeps, sharded
networks and checkpoints of sharded states give the numbers of one plain process.

The device count is fixed when JAX starts, so each case runs in fresh processes."""

import os
import socket
import subprocess
import sys
import textwrap

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

TWO_PROCESSES = """
import os
net = dx.networks.coba_network(80, 20, key=jax.random.key(0))

def counts(current, net):
    _, rec = dx.simulate(net, net.init(jax.random.key(1)), dt=0.1, n_steps=300,
                         inputs={"E": current}, monitors={"s": "E.spike"})
    return rec["s"].sum(0)

# A sweep whose batch is split over the four devices of the two processes.
currents = jnp.linspace(0.0, 6.0, 6)  # padded to 8
mesh = Mesh(np.array(jax.devices()), ("batch",))
swept = dx.sweep(counts, currents, net, mesh=mesh)
assert not swept.is_fully_addressable  # shards in both processes
swept = multihost_utils.process_allgather(swept, tiled=True)
here = np.asarray(dx.sweep(counts, currents, net))  # this process alone, one device
np.testing.assert_array_equal(swept, here)
print("sweep", *swept.sum(1))

# A checkpoint of a state split along the neuron axis over both processes: process 0
# writes it, every process reads it, onto one device or onto the four.
state, _ = dx.simulate(net, net.init(jax.random.key(1)), dt=0.1, n_steps=100)
neurons = NamedSharding(Mesh(np.array(jax.devices()), ("neurons",)), P("neurons"))
spread = jax.tree.map(lambda x: jax.device_put(np.asarray(x), neurons), state)
assert not spread["E"].v.is_fully_addressable
path = os.environ["CKPT"]
dx.save(path, {"state": spread, "step": 100})
assert os.path.exists(path)
local = dx.load(path, {"state": net.init(jax.random.key(2)), "step": 0})
assert local["step"] == 100
for a, b in zip(jax.tree.leaves(local["state"]), jax.tree.leaves(state)):
    np.testing.assert_array_equal(a, b)
back = dx.load(path, {"state": spread, "step": 0})
assert back["state"]["E"].v.sharding == neurons
for a, b in zip(jax.tree.leaves(back["state"]), jax.tree.leaves(spread)):
    assert [s.index for s in a.addressable_shards] == [s.index for s in b.addressable_shards]
    for s, t in zip(a.addressable_shards, b.addressable_shards):
        np.testing.assert_array_equal(s.data, t.data)
print("checkpoint", float(jnp.sum(local["state"]["E"].v)))
"""


def test_sweep_and_checkpoint_across_two_processes(tmp_path, monkeypatch):
    monkeypatch.setenv("CKPT", str(tmp_path / "state.ckpt"))
    outs = run_processes(TWO_PROCESSES)
    # Both processes saw the same whole results; the spike counts rise with the current.
    sweeps = [line for out in outs for line in out.splitlines() if line.startswith("sweep")]
    assert len(sweeps) == 2 and sweeps[0] == sweeps[1], outs
    totals = [int(x) for x in sweeps[0].split()[1:]]
    assert totals == sorted(totals) and totals[-1] > totals[0] > 0, totals
    assert all("checkpoint" in out for out in outs)

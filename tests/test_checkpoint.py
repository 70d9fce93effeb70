import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx
import dynax._checkpoint as ckpt

# The network of the resume tests, as source so that a child process builds the same one.
NETWORK = """
def poisson_driven_coba():
    coba = dx.networks.coba_network(400, 100, key=jax.random.key(0))
    conn = dx.connect.FixedProb(0.1)(50, 400, jax.random.key(3))
    drive = dx.Projection(
        "P", "E", conn, 0.5, dx.synapses.Exponential(400, 5.0), dx.synapses.COBA(E=0.0)
    )
    return dx.Network(
        {**coba.populations, "P": dx.inputs.PoissonGroup(50, 20.0)},
        {**coba.projections, "P2E": drive},
    )
"""
_namespace = {"jax": jax, "dx": dx}
exec(NETWORK, _namespace)
_poisson_driven_coba = _namespace["poisson_driven_coba"]


def _header(path):
    """The fixed prefix fields and the JSON header of a checkpoint file."""
    raw = path.read_bytes()
    _, version, length, _ = ckpt._PREFIX.unpack(raw[: ckpt._PREFIX.size])
    start = ckpt._PREFIX.size
    return version, length, json.loads(raw[start : start + length])


def _payload_start(path):
    return ckpt._PREFIX.size + _header(path)[1]


def _leftovers(folder):
    return sorted(p for p in os.listdir(folder) if p.endswith(".tmp"))


# ---------------------------------------------------------------- round trips


def test_round_trip_keeps_values_dtypes_and_types(tmp_path):
    tree = {
        "key": jax.random.key(3),
        "keys": jax.random.wrap_key_data(jnp.arange(10, dtype=jnp.uint32).reshape(5, 2)),
        "rbg": jax.random.key(5, impl="rbg"),
        "raw": jax.random.PRNGKey(6),
        "i": jnp.arange(7, dtype=jnp.int32),
        "u8": jnp.arange(3, dtype=jnp.uint8),
        "b": jnp.array([True, False, True]),
        "f": jnp.arange(12.0).reshape(4, 3) / 7,
        "bf16": jnp.linspace(0, 1, 5, dtype=jnp.bfloat16),
        "empty": jnp.zeros((0, 3)),
        "np": np.arange(6.0).reshape(2, 3),
        "np_scalar": np.float32(2.5),
        "step": 3000,
        "big_int": -(2**62),
        "t": 0.1,
        "flag": True,
        "z": 1 + 2j,
        "fn": jnp.tanh,
        "nothing": None,
        "nested": [(jnp.ones(2), None), {"x": 1.0}],
    }
    path = tmp_path / "ckpt"
    dx.save(path, tree)
    out = dx.load(path, tree)

    assert jax.tree.structure(out) == jax.tree.structure(tree)
    for name in ("key", "keys", "rbg"):
        assert out[name].dtype == tree[name].dtype and out[name].shape == tree[name].shape
        assert jax.random.key_impl(out[name]) == jax.random.key_impl(tree[name])
        np.testing.assert_array_equal(
            jax.random.key_data(out[name]), jax.random.key_data(tree[name])
        )
    # The restored key draws the same numbers.
    np.testing.assert_array_equal(jax.random.bits(out["keys"][2]), jax.random.bits(tree["keys"][2]))
    for name in ("raw", "i", "u8", "b", "f", "bf16", "empty"):
        assert isinstance(out[name], jax.Array)
        assert out[name].dtype == tree[name].dtype, name
        np.testing.assert_array_equal(out[name], tree[name])
    assert type(out["np"]) is np.ndarray and out["np"].dtype == np.float64
    np.testing.assert_array_equal(out["np"], tree["np"])
    assert type(out["np_scalar"]) is np.float32 and out["np_scalar"] == 2.5
    for name in ("step", "big_int", "t", "flag", "z"):
        assert type(out[name]) is type(tree[name]) and out[name] == tree[name], name
    assert out["fn"] is jnp.tanh and out["nothing"] is None
    assert out["nested"][0][1] is None and out["nested"][1]["x"] == 1.0


def test_round_trip_in_float64(tmp_path, x64):
    tree = {"v": jnp.linspace(0.0, 1.0, 7) / 3, "w": jnp.arange(3, dtype=jnp.int64)}
    assert tree["v"].dtype == jnp.float64
    dx.save(tmp_path / "x64", tree)
    out = dx.load(tmp_path / "x64", tree)
    assert out["v"].dtype == jnp.float64 and out["w"].dtype == jnp.int64
    np.testing.assert_array_equal(out["v"], tree["v"])


def test_float64_file_without_x64_says_so(tmp_path):
    with jax.enable_x64(True):
        dx.save(tmp_path / "x64", {"v": jnp.ones(3)})
    with pytest.raises(ValueError, match=r"'v' is float64\[3\] in the file but float32\[3\]"):
        dx.load(tmp_path / "x64", {"v": jnp.ones(3)})
    with pytest.raises(ValueError, match="jax_enable_x64"):
        dx.load(tmp_path / "x64", {"v": jax.ShapeDtypeStruct((3,), np.float64)})


def test_shape_only_templates_and_static_parts_come_from_like(tmp_path):
    net = dx.networks.coba_network(40, 10, key=jax.random.key(0))
    state = net.init(jax.random.key(1))
    dx.save(tmp_path / "state", state)
    restored = dx.load(tmp_path / "state", eqx.filter_eval_shape(net.init, jax.random.key(1)))
    for a, b in zip(jax.tree.leaves(restored), jax.tree.leaves(state)):
        assert isinstance(a, jax.Array) and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)

    dx.save(tmp_path / "model", net)
    shapes = jax.tree.map(
        lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype) if eqx.is_array(x) else x, net
    )
    model = dx.load(tmp_path / "model", shapes)
    assert jax.tree.structure(model) == jax.tree.structure(net)  # static fields included
    for a, b in zip(jax.tree.leaves(model), jax.tree.leaves(net)):
        np.testing.assert_array_equal(a, b)


def test_python_number_in_like_matches_a_saved_scalar_array(tmp_path):
    dx.save(tmp_path / "t", {"t": jnp.float32(30.0), "step": jnp.int32(300)})
    out = dx.load(tmp_path / "t", {"t": 0.0, "step": 0})
    assert out["t"].dtype == jnp.float32 and float(out["t"]) == 30.0  # as saved
    assert int(out["step"]) == 300
    with pytest.raises(ValueError, match=r"'step' is int32\[\] in the file but a Python bool"):
        dx.load(tmp_path / "t", {"t": 0.0, "step": False})


def test_path_is_used_exactly_as_given(tmp_path):
    dx.save(tmp_path / "run", {"x": jnp.ones(2)})
    dx.save(str(tmp_path / "run.ckpt"), {"x": jnp.ones(2)})
    assert sorted(os.listdir(tmp_path)) == ["run", "run.ckpt"]
    with pytest.raises(FileNotFoundError):
        dx.load(tmp_path / "run.eqx", {"x": jnp.ones(2)})


def test_header_describes_the_tree(tmp_path):
    dx.save(tmp_path / "c", {"E": dx.neurons.LIF(4).init(), "key": jax.random.key(0)})
    version, _, header = _header(tmp_path / "c")
    assert version == 1 and (tmp_path / "c").read_bytes()[:8] == ckpt.MAGIC
    entries = {e["path"]: e for e in header["leaves"]}
    assert entries["E.v"]["dtype"] == "float32" and entries["E.v"]["shape"] == [4]
    assert entries["key"]["impl"] == "threefry2x32" and entries["key"]["data_shape"] == [2]
    assert len(header["structure"]) == 64  # SHA-256 hex


# ---------------------------------------------------------------- damaged files


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "state.ckpt"
    like = {"E": dx.neurons.LIF(100).init(), "step": 7}
    dx.save(path, like)
    return path, like


@pytest.mark.parametrize(
    "cut, what",
    [
        (5, "not a complete|truncated"),
        (20, "truncated"),
        (40, "truncated"),
        (-100, "truncated"),
        (-1, "truncated"),
    ],
)
def test_truncated_file_is_refused(saved, cut, what):
    path, like = saved
    raw = path.read_bytes()
    path.write_bytes(raw[:cut])
    with pytest.raises(ValueError, match=f"cannot load '{path}'.*({what})"):
        dx.load(path, like)


def test_empty_file_is_refused(saved):
    path, like = saved
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        dx.load(path, like)


@pytest.mark.parametrize("where", ["payload", "last"])
def test_flipped_byte_in_the_data_is_caught_by_the_checksum(saved, where):
    path, like = saved
    raw = bytearray(path.read_bytes())
    i = _payload_start(path) + 123 if where == "payload" else len(raw) - 1
    raw[i] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=f"cannot load '{path}': the data is corrupted.*SHA-256"):
        dx.load(path, like)


def test_flipped_byte_in_the_header_is_caught(saved):
    path, like = saved
    raw = bytearray(path.read_bytes())
    raw[ckpt._PREFIX.size + 10] ^= 0x20
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="header is corrupted"):
        dx.load(path, like)


def test_trailing_bytes_are_refused(saved):
    path, like = saved
    path.write_bytes(path.read_bytes() + b"\0\0\0")
    with pytest.raises(ValueError, match=f"'{path}': 3 unexpected trailing bytes"):
        dx.load(path, like)


def test_wrong_magic_and_version_are_refused(saved, tmp_path):
    path, like = saved
    raw = path.read_bytes()
    path.write_bytes(b"PK\x03\x04" + raw[4:])
    with pytest.raises(ValueError, match=f"'{path}': not a dynax checkpoint"):
        dx.load(path, like)
    path.write_bytes(raw[:8] + (2).to_bytes(4, "little") + raw[12:])
    with pytest.raises(ValueError, match="format version 2, but this dynax reads version 1"):
        dx.load(path, like)


def test_file_in_equinox_format_is_refused_with_a_way_out(tmp_path):
    like = dx.neurons.LIF(4).init()
    eqx.tree_serialise_leaves(tmp_path / "old.eqx", like)
    with pytest.raises(ValueError, match="not a dynax checkpoint.*equinox.*tree_deserialise"):
        dx.load(tmp_path / "old.eqx", like)


# ---------------------------------------------------------------- templates that differ


def test_load_into_a_different_structure_fails_clearly(tmp_path):
    lif = dx.neurons.LIF(4)
    dx.save(tmp_path / "s.eqx", lif.init())
    with pytest.raises(ValueError, match="cannot load"):
        dx.load(tmp_path / "s.eqx", dx.neurons.LIF(5).init())


def test_mismatched_like_names_the_leaf_and_the_difference(tmp_path):
    path = tmp_path / "run"
    state = {"E": dx.neurons.LIF(40).init(), "I": dx.neurons.LIF(10).init()}
    dx.save(path, {"state": state, "step": 10})
    start = f"cannot load '{path}' into `like`: "

    bigger = {"E": dx.neurons.LIF(50).init(), "I": dx.neurons.LIF(10).init()}
    with pytest.raises(ValueError, match=start + r"leaf 'state.E.v' is float32\[40\] in the file "
                       r"but float32\[50\] in `like`"):  # fmt: skip
        dx.load(path, {"state": bigger, "step": 0})

    wrong_dtype = eqx.tree_at(lambda s: s["I"].v, state, state["I"].v.astype(jnp.bfloat16))
    with pytest.raises(ValueError, match=r"'state.I.v' is float32\[10\] in the file but bfloat16"):
        dx.load(path, {"state": wrong_dtype, "step": 0})

    with pytest.raises(ValueError, match=r"'step' is a Python int in the file but float32\[\]"):
        dx.load(path, {"state": state, "step": jnp.float32(0)})

    with pytest.raises(ValueError, match="the file has .* leaves, `like` only .*'step'"):
        dx.load(path, {"state": state})

    with pytest.raises(ValueError, match="`like` has .* leaves, the file only .*'zzz'"):
        dx.load(path, {"state": state, "step": 0, "zzz": jnp.ones(1)})

    with pytest.raises(ValueError, match="leaf 0: 'state.E.v' in the file, 's.E.v' in `like`"):
        dx.load(path, {"s": state, "step": 0})

    with pytest.raises(ValueError, match="differ outside the array leaves.*\n  file: .*\n  like:"):
        dx.load(path, {"state": state, "step": 0, "more": None})

    dx.save(path, {"key": jax.random.key(0)})
    with pytest.raises(ValueError, match=r"'key' is key<fry>\[\] in the file but key<rbg>\[\]"):
        dx.load(path, {"key": jax.random.key(0, impl="rbg")})


def test_static_field_that_differs_is_a_structure_difference(tmp_path):
    lif = dx.neurons.LIF(4)
    dx.save(tmp_path / "m", lif)
    other = dx.neurons.LIF(4, method="euler")
    with pytest.raises(ValueError, match="static fields"):
        dx.load(tmp_path / "m", other)


def test_like_none_explains_what_to_pass(saved):
    path, _ = saved
    with pytest.raises(TypeError, match="pass a template.*model.init"):
        dx.load(path, None)


# ---------------------------------------------------------------- atomic writes


def test_unsupported_leaf_fails_before_touching_the_file(saved):
    path, like = saved
    before = path.read_bytes()
    with pytest.raises(TypeError, match=f"cannot save '{path}': leaf 'label' is a str"):
        dx.save(path, {**like, "label": "run 1"})
    assert path.read_bytes() == before
    assert _leftovers(path.parent) == []


def test_save_that_fails_midway_leaves_the_old_file_and_no_temp_file(saved, monkeypatch):
    path, like = saved
    before = path.read_bytes()
    calls = []
    real = ckpt._leaf_bytes

    def failing(*args):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(*args)

    monkeypatch.setattr(ckpt, "_leaf_bytes", failing)
    with pytest.raises(OSError, match="disk full"):
        dx.save(path, {"E": dx.neurons.LIF(100).init(), "step": 8})
    assert len(calls) == 3
    assert path.read_bytes() == before
    assert _leftovers(path.parent) == []
    monkeypatch.undo()
    assert dx.load(path, like)["step"] == 7


def test_traced_leaf_is_refused(tmp_path):
    @jax.jit
    def inside(x):
        dx.save(tmp_path / "x", {"x": x})
        return x

    with pytest.raises(TypeError, match="'x' is traced"):
        inside(jnp.ones(2))
    assert _leftovers(tmp_path) == [] and not (tmp_path / "x").exists()


def test_save_keeps_the_permissions_of_the_file_it_replaces(saved):
    path, like = saved
    os.chmod(path, 0o640)
    dx.save(path, like)
    assert path.stat().st_mode & 0o777 == 0o640


def _kill_after(args, n_lines, delay, folder):
    """Run `python -c *args`, read `n_lines` integers it prints, wait `delay` s, SIGKILL it."""
    with open(folder / "stderr.txt", "w+") as err:
        with subprocess.Popen(
            [sys.executable, "-c", *args], stdout=subprocess.PIPE, stderr=err, text=True
        ) as child:
            try:
                lines = [child.stdout.readline() for _ in range(n_lines)]
                time.sleep(delay)
            finally:
                child.send_signal(signal.SIGKILL)
                child.wait()
        err.seek(0)
        assert all(lines), f"the child process failed:\n{err.read()}"
    return [int(line) for line in lines]


KILL_SAVE = """
import sys
import numpy as np
import dynax as dx
path, n = sys.argv[1], int(sys.argv[2])
base = np.arange(n, dtype=np.uint32)
i = 0
while True:
    dx.save(path, {"i": i, "x": base + np.uint32(i), "tag": np.full(1000, i)})
    print(i, flush=True)
    i += 1
"""


@pytest.mark.slow
def test_process_killed_while_saving_leaves_the_previous_checkpoint(tmp_path):
    n = 50_000_000  # 200 MB
    path = tmp_path / "big.ckpt"
    rng = random.Random()
    delay = rng.uniform(0.0, 0.8)
    done = _kill_after([KILL_SAVE, str(path), str(n)], rng.randint(1, 2), delay, tmp_path)
    like = {"i": 0, "x": jax.ShapeDtypeStruct((n,), np.uint32), "tag": np.zeros(1000, int)}
    out = dx.load(path, like)
    assert out["i"] >= done[-1], (done, delay)
    assert (out["tag"] == out["i"]).all()
    np.testing.assert_array_equal(out["x"][:: 10**6], np.arange(0, n, 10**6) + out["i"])
    assert int(out["x"][-1]) == n - 1 + out["i"]
    # A file written by another process has the structure hash computed here.
    dx.save(tmp_path / "here", {"i": 1, "x": np.zeros(n, np.uint32), "tag": np.zeros(1000, int)})
    assert _header(tmp_path / "here")[2]["structure"] == _header(path)[2]["structure"]


# ---------------------------------------------------------------- resuming runs


def test_run_split_by_save_and_load_equals_one_run(tmp_path):
    # Random input from a Poisson population inside the network: its state is saved too.
    net = _poisson_driven_coba()
    state = net.init(jax.random.key(1))
    kw = dict(dt=0.1, monitors={"s": "E.spike", "g": "E2E.syn.g"}, key=jax.random.key(7))
    _, whole = dx.simulate(net, state, n_steps=600, chunk=300, **kw)  # one compilation

    half, first = dx.simulate(net, state, n_steps=300, **kw)
    dx.save(tmp_path / "run.ckpt", {"state": half, "step": 300})
    dx.save(tmp_path / "model.ckpt", net)

    model = dx.load(tmp_path / "model.ckpt", _poisson_driven_coba())
    ckpt = dx.load(tmp_path / "run.ckpt", {"state": net.init(jax.random.key(9)), "step": 0})
    np.testing.assert_array_equal(
        model.projections["E2E"].conn.indices, net.projections["E2E"].conn.indices
    )
    _, second = dx.simulate(model, ckpt["state"], n_steps=300, t0=ckpt["step"] * 0.1, **kw)
    for name in ("s", "g"):
        np.testing.assert_array_equal(np.concatenate([first[name], second[name]]), whole[name])
    np.testing.assert_allclose(np.concatenate([first["t"], second["t"]]), whole["t"])
    assert whole["s"].sum() > 0


def test_resumed_run_continues_a_noise_drive_inside_the_network(tmp_path):
    coba = dx.networks.coba_network(400, 100, key=jax.random.key(0))
    noise = dx.CurrentDrive("E", dx.inputs.OUProcess(400, mean=0.0, sigma=3.0, tau=5.0))
    net = dx.Network(coba.populations, {**coba.projections, "noise": noise})
    kw = dict(dt=0.1, monitors={"v": "E.v"}, key=jax.random.key(7))
    state = net.init(jax.random.key(1))
    _, whole = dx.simulate(net, state, n_steps=400, chunk=200, **kw)
    half, first = dx.simulate(net, state, n_steps=200, **kw)
    dx.save(tmp_path / "run.eqx", half)
    resumed = dx.load(tmp_path / "run.eqx", net.init(jax.random.key(2)))
    _, second = dx.simulate(net, resumed, n_steps=200, t0=20.0, **kw)
    np.testing.assert_array_equal(np.concatenate([first["v"], second["v"]]), whole["v"])


CHUNKED_RUN = (
    textwrap.dedent(
        """
    import sys
    import jax
    import numpy as np
    import dynax as dx
    """
    )
    + NETWORK
    + textwrap.dedent(
        """
    path, start, n_chunks, chunk = sys.argv[1], *map(int, sys.argv[2:])
    net = poisson_driven_coba()
    state = net.init(jax.random.key(1))
    raster = np.zeros((n_chunks * chunk, 400), bool)
    step = 0
    if start:  # resume
        c = dx.load(path, {"state": state, "step": 0, "raster": raster})
        state, step, raster = c["state"], c["step"], c["raster"]
    while step < n_chunks * chunk:
        state, rec = dx.simulate(
            net, state, dt=0.1, n_steps=chunk, t0=step * 0.1, key=jax.random.key(7),
            monitors={"s": "E.spike"},
        )
        raster[step : step + chunk] = np.asarray(rec["s"])
        step += chunk
        dx.save(path, {"state": state, "step": step, "raster": raster})
        print(step, flush=True)
    """
    )
)


@pytest.mark.slow
def test_run_killed_at_a_random_chunk_resumes_bit_identically(tmp_path):
    n_chunks, chunk = 8, 50
    path = tmp_path / "run.ckpt"
    rng = random.Random()
    kill_after = rng.randint(1, n_chunks - 1)
    args = [str(path), "0", str(n_chunks), str(chunk)]
    steps = _kill_after([CHUNKED_RUN, *args], kill_after, rng.uniform(0.0, 0.05), tmp_path)

    net = _poisson_driven_coba()
    state = net.init(jax.random.key(1))
    like = {"state": state, "step": 0, "raster": np.zeros((n_chunks * chunk, 400), bool)}
    c = dx.load(path, like)
    assert c["step"] >= steps[-1] and c["step"] % chunk == 0, (steps, c["step"])
    resumed, raster, step = c["state"], c["raster"], c["step"]
    kw = dict(dt=0.1, key=jax.random.key(7), monitors={"s": "E.spike"})
    while step < n_chunks * chunk:
        resumed, rec = dx.simulate(net, resumed, n_steps=chunk, t0=step * 0.1, **kw)
        raster[step : step + chunk] = rec["s"]
        step += chunk

    final, whole = dx.simulate(net, state, n_steps=n_chunks * chunk, **kw)
    np.testing.assert_array_equal(raster, whole["s"], err_msg=f"killed after {steps}")
    for a, b in zip(jax.tree.leaves(resumed), jax.tree.leaves(final)):
        np.testing.assert_array_equal(a, b)
    assert raster[: steps[-1]].any() and raster[steps[-1] :].any()


def test_loading_connectivity_out_of_range_is_refused(tmp_path):
    conn = dx.connect.CSR(indptr=[0, 1, 2], indices=[0, 1], n_post=3)
    dx.save(tmp_path / "c.ckpt", eqx.tree_at(lambda c: c.indices, conn, jnp.array([0, 7])))
    with pytest.raises(ValueError, match=r"invalid dx\.connect\.CSR.*indices"):
        dx.load(tmp_path / "c.ckpt", conn)

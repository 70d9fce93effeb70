"""The compiled continuation of limit cycles (`dx.analysis.continue_cycles`): the traced
mesh adaptation against closed forms, one compilation for all parameter values, and
branches batched with `jax.vmap` equal to those computed one at a time (and to
FitzHugh–Nagumo's exact symmetry in a)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx
from dynax.analysis._collocation import node_times, remesh, weights

B, TAU = 0.8, 12.5


def test_remesh_interpolates_polynomials_and_equidistributes(x64):
    """A piecewise polynomial of the collocation degree is carried exactly onto the new
    mesh, and the new mesh equidistributes the monitor (0.7 arclength + 0.3 phase)."""
    n, m, N = 2, 4, 12
    mesh = jnp.asarray(np.sort(np.r_[0.0, np.random.default_rng(0).uniform(0, 1, N - 1), 1.0]))

    def profile(tau):  # degree m in tau, the same polynomial on every interval
        return jnp.stack([tau**4 - 2 * tau, 3 * tau**2 + 1], axis=-1)

    # one global polynomial is continuous but not periodic: the last interval wraps to
    # the first node, so compare away from it
    X = profile(node_times(mesh, m))
    u = jnp.concatenate([X.reshape(-1), jnp.array([5.0, 0.3])])
    t = jnp.concatenate([2 * X.reshape(-1), jnp.array([0.1, 0.2])])
    un, tn, new = remesh(u, t, mesh, n, m, 5.0)
    at = node_times(new, m)
    inner = np.asarray(at) < float(mesh[-2])
    Xn = np.asarray(un[:-2]).reshape(-1, n)
    np.testing.assert_allclose(Xn[inner], np.asarray(profile(at))[inner], atol=1e-13)
    np.testing.assert_array_equal(un[-2:], u[-2:])
    # the tangent: the same interpolation, then unit in the new mesh's weights
    w = np.asarray(weights(new, n, m, 5.0))
    np.testing.assert_allclose(np.sum(w * np.asarray(tn) ** 2), 1.0, rtol=1e-13)
    scale = float(tn[-1] / t[-1])
    Tn = np.asarray(tn[:-2]).reshape(-1, n) / scale
    np.testing.assert_allclose(Tn[inner], 2 * np.asarray(profile(at))[inner], atol=1e-12)
    # equidistribution: the monitor's cumulative integral is linear at the new mesh points
    Xw = np.concatenate([np.asarray(X), np.asarray(X[:1])])
    seg = np.linalg.norm(np.diff(Xw, axis=0), axis=1).reshape(N, m).sum(1)
    mon = 0.7 * seg / seg.sum() + 0.3 * np.diff(np.asarray(mesh))
    cum = np.r_[0.0, np.cumsum(mon)]
    np.testing.assert_allclose(np.interp(new, mesh, cum), np.linspace(0, 1, N + 1), atol=1e-14)


def normal_form(counter):
    def F(x, p):  # the Hopf normal form with frequency p[1]: r = sqrt(mu), T = 2 pi/omega
        counter.append(1)  # (Python runs at tracing only)
        mu, omega = p
        r2 = x[0] ** 2 + x[1] ** 2
        return jnp.stack(
            [mu * x[0] - omega * x[1] - x[0] * r2, omega * x[0] + mu * x[1] - x[1] * r2]
        )

    return F


@pytest.mark.slow  # one compilation of the branch of cycles: 5-15 s on 2 cores
def test_compiles_once_for_every_parameter_value(x64):
    traces: list = []
    F = normal_form(traces)
    opts = dict(param=0, bounds=(-1.0, 0.5), n_intervals=8, ds=0.05, max_points=40)
    for i, omega in enumerate((1.0, 1.5, 2.0)):
        arrays = dx.analysis.continue_cycles(F, jnp.zeros(2), jnp.array([0.0, omega]), **opts)
        if i == 0:
            after_first = len(traces)
        k = int(arrays.size)
        assert int(arrays.status) == 2 and k > 5  # mu = 0.5 reached
        mu, amp = np.asarray(arrays.p[:k]), np.asarray(arrays.x_max[:k, 0])
        np.testing.assert_allclose(amp, np.sqrt(np.maximum(mu, 0)), atol=1e-6)
        np.testing.assert_allclose(arrays.period[:k], 2 * np.pi / omega, rtol=1e-8)
        assert np.all(np.isnan(np.asarray(arrays.p[k:])))  # the unused rows
    assert after_first > 0 and len(traces) == after_first  # no retrace, no recompilation


def fhn(x, p):
    v, w = x
    return jnp.stack([v - v**3 / 3 - w + p[0], (v + p[1] - B * w) / TAU])


@pytest.mark.slow  # compiles the equilibria and the cycles, batched and not: 20-40 s
def test_vmapped_cycle_branches_equal_one_at_a_time(x64):
    a_values = jnp.array([0.65, 0.7, 0.75])

    def hopf(a):
        eq = dx.analysis.continue_equilibria(
            fhn, jnp.array([-1.2, -0.6]), jnp.stack([0.0, a]), bounds=(-1.0, 2.5), ds=0.05
        )
        row = eq.rows("H", 1)[0]
        return eq.x[row], eq.params_at(row)

    xs, ps = jax.jit(jax.vmap(hopf))(a_values)
    opts = dict(bounds=(0.0, 0.9), n_intervals=30, ds=0.02, max_points=40)
    one = jax.jit(lambda x, p: dx.analysis.continue_cycles(fhn, x, p, param=0, **opts))
    batch = jax.jit(jax.vmap(one))(xs, ps)
    assert batch.p.shape[0] == 3
    lanes = [jax.tree.map(lambda v, i=i: v[i], batch) for i in range(3)]
    for i, lane in enumerate(lanes):
        ref = one(xs[i], ps[i])
        assert int(lane.size) == int(ref.size) >= 40 and int(lane.status) == int(ref.status)
        np.testing.assert_array_equal(lane.kind, ref.kind)
        for field in ("p", "period", "x", "times", "x_max"):
            np.testing.assert_allclose(getattr(lane, field), getattr(ref, field), atol=1e-12)
    # FitzHugh-Nagumo depends on I - a/b only (w -> w + a/b): the branches at the three
    # values of a are one branch shifted by da/b in I, with the same periods
    k = int(lanes[1].size)
    for i, lane in enumerate(lanes):
        shift = float(a_values[i] - a_values[1]) / B
        np.testing.assert_allclose(lane.p[:k], lanes[1].p[:k] + shift, atol=1e-9)
        np.testing.assert_allclose(lane.period[:k], lanes[1].period[:k], rtol=1e-9)
        (lpc,) = np.flatnonzero(np.asarray(lane.kind) == 0)  # the canard's fold of cycles
        assert abs(float(lane.p[lpc]) - (0.324178523 + shift)) < 1e-8
    # the same branch, cut, as limit_cycle_branch gives it
    eq = dx.analysis.equilibrium_branch(
        fhn, jnp.array([-1.2, -0.6]), jnp.array([0.0, 0.7]), bounds=(-1.0, 2.5), ds=0.05
    )
    branch = dx.analysis.limit_cycle_branch(fhn, eq.special("H")[0], **opts)
    cut = lanes[1].to_branch()
    assert [(q.kind, q.index) for q in cut.points] == [(q.kind, q.index) for q in branch.points]
    np.testing.assert_allclose(cut.p, branch.p, atol=1e-12)
    np.testing.assert_allclose(cut.x, branch.x, atol=1e-10)


@pytest.mark.slow  # 5-10 s
def test_no_hopf_pair_is_status_4(x64):
    F = normal_form([])
    # a node: real eigenvalues, no pair +-i omega to start cycles from
    node = lambda x, p: -x * (1 + p[0])  # noqa: E731
    arrays = dx.analysis.continue_cycles(node, jnp.zeros(2), jnp.array([0.0]), n_intervals=4)
    assert int(arrays.status) == 4 and int(arrays.size) == 0
    assert np.all(np.asarray(arrays.kind) == -1) and np.all(np.isnan(np.asarray(arrays.p)))
    with pytest.raises(ValueError, match="hopf_x"):
        dx.analysis.continue_cycles(F, jnp.zeros(1), jnp.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="bounds"):
        dx.analysis.continue_cycles(F, jnp.zeros(2), jnp.array([0.0, 1.0]), bounds=(1.0, 0.0))

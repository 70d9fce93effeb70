"""The compiled continuation (`dx.analysis.continue_equilibria`): branches batched with
`jax.vmap` equal those computed one at a time, and its folds and Hopf points are
differentiable (implicit gradients against finite differences and closed forms)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

A, B, TAU = 0.7, 0.8, 12.5
X0 = jnp.array([-1.2, -0.6])


def fhn_system(tau=TAU):
    model = dx.neurons.SpikingFHN(1, a=A, b=B, tau=tau)
    return dx.analysis.flat_system(
        model, params=("I_bias", "a", "b"), y0=(-1.0, -0.5), names=("v", "w")
    )


def hopf_analytic(a, b, tau=TAU):
    """The Hopf points in I (the trace of the Jacobian vanishes: v*^2 = 1 - b/tau) and
    their frequency, omega^2 = det J = (1 - b^2/tau)/tau."""
    v = np.array([-1.0, 1.0]) * np.sqrt(1 - b / tau)
    return v**3 / 3 - v + (v + a) / b, np.sqrt((1 - b * b / tau) / tau)


def branch(F, a, b=B):
    return dx.analysis.continue_equilibria(
        F, X0, {"a": a, "b": b}, param="I_bias", bounds=(-1.0, 2.5), ds=0.05, max_points=100
    )


@pytest.mark.slow  # compiles the continuation twice (batched and not): 10-20 s
def test_vmapped_branches_equal_one_at_a_time(x64):
    F = fhn_system()
    a_values = jnp.array([0.5, 0.7, 0.9])
    batch = jax.jit(jax.vmap(lambda a: branch(F, a)))(a_values)
    assert batch.p.shape[0] == 3 and np.all(np.asarray(batch.status) == 2)  # both bounds
    one_at_a_time = jax.jit(lambda a: branch(F, a))
    for i, a in enumerate(np.asarray(a_values)):
        one = one_at_a_time(a)
        lane = jax.tree.map(lambda v, i=i: v[i], batch)
        assert int(lane.size) == int(one.size) > 20
        np.testing.assert_array_equal(lane.kind, one.kind)
        np.testing.assert_allclose(lane.p, one.p, rtol=0, atol=1e-13)  # (NaN rows too)
        np.testing.assert_allclose(lane.x, one.x, rtol=0, atol=1e-13)
        np.testing.assert_array_equal(lane.stable, one.stable)
        current, omega = hopf_analytic(a, B)
        rows = lane.rows("H", 2)
        np.testing.assert_allclose(lane.p[rows], current, rtol=0, atol=1e-12)
        np.testing.assert_allclose(lane.omega[rows], omega, rtol=1e-12)
    # the same branch, cut, as equilibrium_branch gives it (points located, not refined)
    cut = jax.tree.map(lambda v: v[1], batch).to_branch()
    ref = dx.analysis.equilibrium_branch(
        F, X0, {"a": 0.7}, param="I_bias", bounds=(-1.0, 2.5), ds=0.05, max_points=100
    )
    assert [q.kind for q in cut.points] == [q.kind for q in ref.points] == ["H", "H"]
    np.testing.assert_allclose(cut.p, ref.p, atol=1e-12)
    np.testing.assert_allclose([q.omega for q in cut.points], [q.omega for q in ref.points])


@pytest.mark.slow  # compiles the continuation and its gradient: 20-60 s
def test_hopf_gradients_equal_finite_differences_and_closed_form(x64):
    @jax.jit
    def hopf(q):  # the lower Hopf point's current and frequency at (a, b, tau) = q
        arrays = branch(fhn_system(q[2]), q[0], q[1])  # (tau: a field of the model)
        row = arrays.rows("H", 1)[0]
        return jnp.stack([arrays.p[row], arrays.omega[row]])

    q = jnp.array([A, B, TAU])
    jac = np.asarray(jax.jacrev(hopf)(q))
    h = np.array([1e-5, 1e-5, 1e-4])
    fd = np.stack([(hopf(q + e) - hopf(q - e)) / (2 * e.sum()) for e in np.diag(h)], 1)
    np.testing.assert_allclose(jac, fd, rtol=1e-6, atol=1e-9)
    # closed form: I = v^3/3 - v + (v + a)/b with v = -sqrt(1 - b/tau), omega^2 =
    # (1 - b^2/tau)/tau
    v = -np.sqrt(1 - B / TAU)
    dv_db, dv_dtau = -1 / (2 * TAU * v), B / (2 * TAU**2 * v)
    omega = hopf_analytic(A, B)[1]
    di_dv = v * v - 1 + 1 / B
    closed = [
        [1 / B, di_dv * dv_db - (v + A) / B**2, di_dv * dv_dtau],
        [0.0, -B / (TAU**2 * omega), (2 * B * B / TAU - 1) / (2 * omega * TAU**2)],
    ]
    np.testing.assert_allclose(jac, closed, rtol=1e-9, atol=1e-12)


@pytest.mark.slow
def test_fold_gradient(x64):
    """The cusp normal form p0 + p1 x - x^3: folds at x = -+sqrt(p1/3),
    p0 = +-(2/3) p1 sqrt(p1/3), so d p0 / d p1 = -x at the fold (with refine=1: the
    second fold is differentiated at its located value, without the correction)."""

    def cusp(x, p):
        return p[0] + p[1] * x - x**3

    def folds(p1):
        arrays = dx.analysis.continue_equilibria(
            cusp, jnp.array([1.0]), jnp.stack([0.0, p1]), bounds=(-2.0, 2.0), ds=0.05, refine=1
        )
        rows = arrays.rows("LP", 2)
        return arrays.p[rows], arrays.x[rows, 0]

    p0, x = folds(1.0)
    np.testing.assert_allclose(np.sort(np.asarray(p0)), [-2 / 27**0.5, 2 / 27**0.5], atol=1e-13)
    jac = jax.jacrev(lambda p1: folds(p1)[0])(1.0)
    np.testing.assert_allclose(jac, -np.asarray(x), rtol=1e-10)


def second_hopf(q, refine=1):  # both Hopf points' (I, v, w) at (a, b) = q
    arrays = dx.analysis.continue_equilibria(
        fhn_system(), X0, {"a": q[0], "b": q[1]}, param="I_bias", bounds=(-1.0, 2.5),
        ds=0.05, max_points=100, refine=refine,
    )  # fmt: skip
    rows = arrays.rows("H", 2)
    return arrays, jnp.concatenate([arrays.p[rows], arrays.x[rows].T.reshape(-1)])


@pytest.mark.slow  # compiles the continuation and its gradient: 20-60 s
def test_hopf_beyond_refine_gradient_equals_finite_differences_and_closed_form(x64):
    """With refine=1 the upper Hopf point is located, not corrected, and differentiated
    at gradient time by the implicit function theorem on its augmented system."""
    q = jnp.array([A, B])
    jac = np.asarray(jax.jit(jax.jacrev(lambda q: second_hopf(q)[1]))(q))
    f = jax.jit(lambda q: second_hopf(q)[1])
    h = 1e-5
    fd = np.stack([(f(q + e) - f(q - e)) / (2 * h) for e in np.diag([h, h])], 1)
    np.testing.assert_allclose(jac, fd, rtol=1e-6, atol=1e-9)
    # closed form: v = -+sqrt(1 - b/tau), I = v^3/3 - v + (v + a)/b, w = (v + a)/b
    v = np.array([-1.0, 1.0]) * np.sqrt(1 - B / TAU)
    dv_db = -1 / (2 * TAU * v)
    di_db = (v * v - 1 + 1 / B) * dv_db - (v + A) / B**2
    dw = np.stack([np.full(2, 1 / B), dv_db / B - (v + A) / B**2], 1)
    closed = np.concatenate(
        [np.stack([np.full(2, 1 / B), di_db], 1), np.stack([0 * v, dv_db], 1), dw]
    )
    np.testing.assert_allclose(jac, closed, rtol=1e-9, atol=1e-12)


@pytest.mark.slow  # compiles the continuation's gradient three times: 30-90 s
def test_rows_without_a_derivative_raise_and_the_others_differentiate_under_vmap(x64):
    def regular(a):  # a regular point of the branch: no derivative
        arrays = second_hopf(jnp.stack([a, B]))[0]
        return arrays.x[3, 0]

    with pytest.raises(Exception, match="regular point of the branch"):
        jax.grad(regular)(A)

    def eigenvalue(a):  # the eigenvalues at a Hopf point: not differentiable either
        arrays = second_hopf(jnp.stack([a, B]))[0]
        return jnp.real(arrays.eigenvalues[arrays.rows("H", 1)[0], 0])

    with pytest.raises(Exception, match="eigenvalues or the tangent"):
        jax.jit(jax.grad(eigenvalue))(A)

    # a loss of the Hopf points only (one corrected, one located): I_H1 + 2 I_H2, whose
    # derivative in a is 3/b, on three branches at once
    def loss(a):
        currents = second_hopf(jnp.stack([a, B]))[1][:2]
        return currents[0] + 2 * currents[1]

    a = jnp.array([0.5, 0.7, 0.9])
    grads = jax.jit(jax.vmap(jax.grad(loss)))(a)
    np.testing.assert_allclose(grads, np.full(3, 3 / B), rtol=1e-10)
